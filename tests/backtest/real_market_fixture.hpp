#pragma once
// Real bars and their canonical features (built in memory from ../shared/data with the
// feature builder), stored into a test database for [from, to); and a registry row.
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "features/csv_inputs.hpp"
#include "features/feature_builder.hpp"
#include "market/macro_catalog.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_feature_store.hpp"
#include "support/test_paths.hpp"
#include "trading/run_artifacts.hpp"

namespace usdcop::test_fixture {

struct RealMarket {
  std::vector<market::Bar> bars;
  std::vector<features::FeatureRow> rows;
};

inline const RealMarket& real_market() {
  static const RealMarket m = [] {
    RealMarket r;
    r.bars = features::read_bars_csv(usdcop::testing::shared_data("usdcop_m5_dev.csv.gz"));
    const auto macro = features::read_macro_inputs_csv(
        usdcop::testing::shared_data("macro_daily_dev.csv.gz"), market::MacroCatalog::load());
    for (const auto& v : features::build_features(r.bars, macro)) r.rows.push_back(v.to_row());
    return r;
  }();
  return m;
}

inline long store_real_market(store::ConnectionPool& pool, Timestamp from, Timestamp to) {
  const auto& m = real_market();
  std::vector<market::Bar> bars;
  std::vector<features::FeatureRow> rows;
  for (std::size_t i = 0; i < m.bars.size(); ++i) {
    if (m.bars[i].time < from || !(m.bars[i].time < to)) continue;
    bars.push_back(m.bars[i]);
    rows.push_back(m.rows[i]);
  }
  store::PgBarStore(pool).write_bars(bars, "test", false);
  store::PgFeatureStore(pool).upsert(rows);
  return static_cast<long>(bars.size());
}

inline void register_model(store::ConnectionPool& pool, const std::string& model_id, int version,
                           const std::filesystem::path& run_dir) {
  const auto run = trading::verify_run_directory(run_dir);
  auto c = pool.acquire();
  pqxx::work tx(*c);
  tx.exec_params(
      "INSERT INTO ml.model_registry (model_id, version, artifact_uri, model_hash, "
      "norm_stats_hash, "
      "feature_order_hash, builder_version, training_start, training_end) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date, $9::date)",
      model_id, version, run_dir.string(), run.model_hash, run.norm_stats_hash,
      run.feature_order_hash, run.builder_version, format_date(*run.training_start),
      format_date(*run.training_end));
  tx.commit();
}

}  // namespace usdcop::test_fixture
