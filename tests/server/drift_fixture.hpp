#pragma once
// Fixtures for drift (spec 08) and the compatibility client: a deployed-capable model whose
// run directory loads (real random weights, unit_norm_stats: PSI edges -4..4, 10 % per bin),
// and complete feature rows whose market values fill those bins evenly, except the features
// asked to drift (all in the top bin).
#include <set>
#include <vector>

#include "core/time.hpp"
#include "features/feature_row.hpp"
#include "model_fixtures.hpp"
#include "run_dir_fixture.hpp"
#include "store/pg_feature_store.hpp"
#include "store/pg_model_registry.hpp"

namespace usdcop::testing {

// Registers a model whose actor loads (for /predict and drift).
inline void register_loadable_model(store::ConnectionPool& pool,
                                    const std::filesystem::path& parent, const std::string& id,
                                    uint64_t seed) {
  const auto dir = test_fixture::write_run_dir(parent / id, id, seed, {32, 32}, "baseline",
                                               "2020-01-02", "2023-12-29");
  store::PgModelRegistry(pool).register_run(dir, actor("registrar"));
}

// `n` complete 5-minute rows from 2026-01-05T13:00Z, then (trailing_incomplete) one incomplete
// row (skipped by drift). Row i puts every market feature in bin i % 10 (value i % 10 - 4.5),
// except the `drifting` ones, at 10.0 (the top bin).
inline Timestamp seed_feature_rows(store::ConnectionPool& pool, int n,
                                   const std::set<int>& drifting = {},
                                   bool trailing_incomplete = true) {
  std::vector<features::FeatureRow> rows;
  const Timestamp t0 = *parse_timestamp("2026-01-05T13:00:00Z");
  for (int i = 0; i < n + (trailing_incomplete ? 1 : 0); ++i) {
    features::FeatureRow r;
    r.time = t0 + std::chrono::minutes(5 * i);
    for (int k = 0; k < features::kMarketFeatureCount; ++k)
      r.market[static_cast<std::size_t>(k)] = drifting.count(k) ? 10.0 : (i % 10) - 4.5;
    r.time_normalized = 0.5;
    r.complete = i < n;
    if (!r.complete) r.market[0] = std::nan("");
    rows.push_back(r);
  }
  store::PgFeatureStore(pool).upsert(rows);
  return t0;
}

}  // namespace usdcop::testing
