// models register/list/show against a migrated test database.
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.hpp"
#include "model_fixtures.hpp"
#include "support/test_database.hpp"

using namespace usdcop;
using usdcop::testing::count_sql;

TEST(Registry, RegisterVerifiesRecordsAndAudits) {
  usdcop::testing::TestDatabase db;
  usdcop::testing::TempDir tmp;
  store::PgModelRegistry registry(db.pool());
  const auto dir = usdcop::testing::write_run_directory(tmp.path(), "ppo_20260101_0000_s1");
  const auto m = registry.register_run(dir, usdcop::testing::actor("alice"));
  EXPECT_EQ(m.version, 1);
  EXPECT_EQ(m.status, models::ModelStatus::registered);
  EXPECT_EQ(m.artifact_uri, std::filesystem::absolute(dir).lexically_normal().string());
  EXPECT_EQ(m.builder_version, "1.0.0");
  EXPECT_EQ(format_date(*m.training_start), "2020-01-02");
  EXPECT_EQ(m.config["hyperparameters"]["ppo"]["gamma"], 0.99);
  const auto m2 =
      usdcop::testing::register_model(db.pool(), tmp.path(), "ppo_20260102_0000_s2", {.seed = 2});
  EXPECT_EQ(m2.version, 2);
  EXPECT_NE(m2.model_hash, m.model_hash);
  const auto all = registry.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].model_id, "ppo_20260102_0000_s2");  // newest version first
  EXPECT_EQ(registry.list(models::ModelStatus::staging).size(), 0u);
  EXPECT_EQ(registry.get(m.model_id).model_hash, m.model_hash);
  EXPECT_EQ(count_sql(db.pool(), "SELECT count(*) FROM ml.experiment_runs WHERE kind = 'training'"),
            2);
  EXPECT_EQ(count_sql(db.pool(),
                      "SELECT count(*) FROM system.audit_log WHERE action = 'model.register' AND "
                      "actor = 'alice' AND to_state = 'registered' AND request_id = 'test-alice'"),
            1);
}

TEST(Registry, TamperedRunIsRefusedAndNothingIsWritten) {
  usdcop::testing::TestDatabase db;
  usdcop::testing::TempDir tmp;
  const auto dir = usdcop::testing::write_run_directory(tmp.path(), "ppo_tampered");
  std::ofstream(dir / "norm_stats.json", std::ios::app) << " ";
  store::PgModelRegistry registry(db.pool());
  try {
    registry.register_run(dir, usdcop::testing::actor("alice"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::integrity);
    EXPECT_NE(std::string(e.what()).find("norm_stats.json"), std::string::npos) << e.what();
  }
  EXPECT_EQ(count_sql(db.pool(), "SELECT count(*) FROM ml.model_registry"), 0);
  EXPECT_EQ(count_sql(db.pool(), "SELECT count(*) FROM system.audit_log"), 0);
}

TEST(Registry, RegisteringTwiceIsAConflictAndUnknownIdNotFound) {
  usdcop::testing::TestDatabase db;
  usdcop::testing::TempDir tmp;
  usdcop::testing::register_model(db.pool(), tmp.path(), "ppo_once");
  store::PgModelRegistry registry(db.pool());
  try {
    registry.register_run(tmp.path() / "ppo_once", usdcop::testing::actor("alice"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
  }
  try {
    registry.get("nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found);
  }
}
