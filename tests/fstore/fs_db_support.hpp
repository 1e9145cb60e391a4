#pragma once
// Shared by the feature-store database tests: a migrated test database with the seed catalog
// applied and a service on a fixed clock.
#include <memory>
#include <pqxx/pqxx>

#include "core/error.hpp"
#include "fstore/feature_service.hpp"
#include "store/pg_feature_repository.hpp"
#include "support/reference_clock.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

namespace usdcop::fs_testing {

struct FsFixture {
  usdcop::testing::TestDatabase db;
  store::PgFeatureRepository repo{db.pool()};
  Timestamp now = parse_timestamp_or_throw("2025-06-02T12:00:00Z", "now");
  usdcop::testing::ReferenceClock clock{now};
  fstore::FeatureService service{repo, clock, options()};

  FsFixture() {
    repo.apply_catalog(fstore::load_catalog_file(usdcop::testing::source_root() / "config" /
                                                 "features.catalog.json"));
  }
  static fstore::FeatureServiceOptions options() {
    fstore::FeatureServiceOptions o;
    o.retention_days = 3650;
    o.catalog_refresh = std::chrono::seconds(0);
    return o;
  }
  long count(const std::string& sql) {
    auto conn = db.pool().acquire();
    pqxx::nontransaction tx(*conn);
    return tx.exec1(sql)[0].as<long>();
  }
  std::string text(const std::string& sql) {
    auto conn = db.pool().acquire();
    pqxx::nontransaction tx(*conn);
    const auto r = tx.exec1(sql);
    return r[0].is_null() ? "" : r[0].as<std::string>();
  }
  void exec(const std::string& sql) {
    auto conn = db.pool().acquire();
    pqxx::nontransaction tx(*conn);
    tx.exec(sql);
  }
};

inline fstore::FeaturePoint point(const std::string& id, Timestamp ts, double v) {
  fstore::FeaturePoint p;
  p.feature_id = id;
  p.ts = ts;
  p.value = v;
  return p;
}

}  // namespace usdcop::fs_testing
