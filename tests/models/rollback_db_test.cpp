// Rollback targets, rollback (timing, validation, tampering) and the one-deployed invariant
// under concurrent promotions and rollbacks from several connections.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <thread>

#include "core/error.hpp"
#include "model_fixtures.hpp"
#include "store/database.hpp"
#include "support/test_database.hpp"

using namespace usdcop;
using usdcop::testing::count_sql;

namespace {

class RollbackTest : public ::testing::Test {
 protected:
  usdcop::testing::TestDatabase db;
  usdcop::testing::TempDir tmp;
  store::PgModelRegistry registry{db.pool()};

  // m1, m2, m3 deployed in turn: m3 is production, m2 and m1 former production models.
  void three_generations() {
    unsigned seed = 1;
    for (const char* id : {"m1", "m2", "m3"}) {
      usdcop::testing::register_model(db.pool(), tmp.path(), id, {.seed = seed++});
      usdcop::testing::stage_model(db.pool(), id);
      usdcop::testing::deploy_model(db.pool(), id);
    }
  }
  std::string deployed() { return registry.deployed().value().model_id; }
};

}  // namespace

TEST_F(RollbackTest, TargetsAreCurrentThenFormerNewestFirst) {
  three_generations();
  const auto targets = registry.rollback_targets();
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_EQ(targets[0].model.model_id, "m3");
  EXPECT_TRUE(targets[0].current);
  EXPECT_EQ(targets[1].model.model_id, "m2");
  EXPECT_TRUE(targets[1].recommended);
  EXPECT_EQ(targets[2].model.model_id, "m1");
  EXPECT_FALSE(targets[2].recommended);
  ASSERT_TRUE(targets[1].backtest.has_value());
  EXPECT_DOUBLE_EQ(*targets[1].backtest->sharpe_ratio, 1.6);
}

TEST_F(RollbackTest, RollbackSwapsToTheRecommendedTargetWellUnderASecond) {
  three_generations();
  const auto r = registry.rollback(std::nullopt, "p99 latency regression",
                                   usdcop::testing::actor("ops", "admin"));
  EXPECT_EQ(r.previous_model, "m3");
  EXPECT_EQ(r.new_model, "m2");
  EXPECT_LT(r.rollback_time_ms, 1000.0);
  std::cout << "[ measured ] rollback command -> committed swap: " << r.rollback_time_ms << " ms\n";
  RecordProperty("rollback_time_ms", std::to_string(r.rollback_time_ms));
  EXPECT_EQ(deployed(), "m2");
  EXPECT_EQ(models::to_string(registry.get("m3").status), std::string("archived"));
  EXPECT_EQ(
      count_sql(db.pool(), "SELECT count(*) FROM system.audit_log WHERE action = 'model.rollback'"),
      2);
  // Rolling "forward" to the model just retired is a rollback to a former production model too.
  EXPECT_EQ(registry
                .rollback(std::string("m3"), "the latency fix was elsewhere",
                          usdcop::testing::actor("ops", "admin"))
                .new_model,
            "m3");
}

TEST_F(RollbackTest, TamperedTargetIsRefusedAndNothingChanges) {
  three_generations();
  std::ofstream(tmp.path() / "m2" / "actor.bin", std::ios::binary | std::ios::app) << '\x01';
  try {
    registry.rollback(std::nullopt, "p99 latency regression",
                      usdcop::testing::actor("ops", "admin"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::integrity);
    EXPECT_NE(std::string(e.what()).find("actor.bin"), std::string::npos) << e.what();
  }
  EXPECT_EQ(deployed(), "m3");
  EXPECT_EQ(
      count_sql(db.pool(), "SELECT count(*) FROM system.audit_log WHERE action = 'model.rollback'"),
      0);
}

TEST_F(RollbackTest, InvalidTargetsAreRefused) {
  try {
    registry.rollback(std::nullopt, "nothing is deployed yet",
                      usdcop::testing::actor("ops", "admin"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found);
  }
  three_generations();
  usdcop::testing::register_model(db.pool(), tmp.path(), "m_new", {.seed = 77});
  try {
    registry.rollback(std::string("m_new"), "never was production",
                      usdcop::testing::actor("ops", "admin"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("not a former production model"), std::string::npos);
  }
  try {
    registry.rollback(std::string("m1"), "incompatible feature builder",
                      usdcop::testing::actor("ops", "admin"), std::string("2.0.0"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("incompatible"), std::string::npos);
  }
  EXPECT_THROW(
      registry.rollback(std::string("m1"), "short", usdcop::testing::actor("ops", "admin")), Error);
  EXPECT_EQ(deployed(), "m3");
}

TEST_F(RollbackTest, LoserOfTheLockGetsAClearConflict) {
  three_generations();
  auto holder = store::open_connection(db.url());
  pqxx::work tx(*holder);
  ASSERT_TRUE(tx.exec("SELECT ml.try_lock_model_change()")[0][0].as<bool>());
  try {
    registry.rollback(std::nullopt, "while another swap runs",
                      usdcop::testing::actor("ops", "admin"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
    EXPECT_NE(std::string(e.what()).find("a rollback or promotion is in progress"),
              std::string::npos);
  }
  tx.abort();
  EXPECT_EQ(
      registry
          .rollback(std::nullopt, "after the other swap", usdcop::testing::actor("ops", "admin"))
          .new_model,
      "m2");
}

TEST_F(RollbackTest, NeverTwoDeployedUnderConcurrentPromotionsAndRollbacks) {
  three_generations();
  // Two staged models with pending production requests, approved concurrently with rollbacks.
  store::PgPromotions setup(db.pool(), models::default_promotion_thresholds());
  std::vector<std::string> requests;
  for (const char* id : {"c1", "c2"}) {
    usdcop::testing::register_model(db.pool(), tmp.path(), id,
                                    {.seed = static_cast<unsigned>(id[1]) * 7});
    usdcop::testing::stage_model(db.pool(), id);
    const auto bt =
        usdcop::testing::insert_backtest(db.pool(), id, usdcop::testing::passing_backtest());
    requests.push_back(setup
                           .request({id, models::Stage::production, bt, "concurrency candidate"},
                                    usdcop::testing::actor("alice"))
                           .request_id);
  }
  std::atomic<bool> stop{false};
  std::atomic<int> swaps{0}, conflicts{0}, unexpected{0}, violations{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      store::ConnectionPool pool(db.url(), 1);  // each thread its own connection
      store::PgModelRegistry reg(pool);
      store::PgPromotions prom(pool, models::default_promotion_thresholds());
      for (int i = 0; i < 15; ++i) {
        try {
          if (t < 2 && i == 3) {
            models::ManualVote v;
            v.voter = "bob";
            v.role = models::Role::admin;
            v.approve = true;
            v.comment = "approved during the concurrency test";
            models::apply_checklist("backtest_reviewed,metrics_acceptable,team_notified", v);
            prom.vote(requests[static_cast<std::size_t>(t)], v);
          } else {
            reg.rollback(std::nullopt, "concurrent rollback " + std::to_string(t),
                         usdcop::testing::actor("ops", "admin"));
          }
          ++swaps;
        } catch (const Error& e) {
          if (e.kind() == ErrorKind::conflict) {
            ++conflicts;
            if (t < 2 && i == 3) --i;  // retry the vote
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          } else {
            ++unexpected;
            ADD_FAILURE() << e.what();
          }
        }
      }
    });
  }
  std::thread checker([&] {
    store::ConnectionPool pool(db.url(), 1);
    while (!stop) {
      if (count_sql(pool, "SELECT count(*) FROM ml.model_registry WHERE status = 'deployed'") != 1)
        ++violations;
    }
  });
  for (auto& th : threads) th.join();
  stop = true;
  checker.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GE(swaps.load(), 3);  // both votes (retried until they win) and at least one rollback
  std::cout << "[ measured ] concurrent swaps: " << swaps << " committed, " << conflicts
            << " refused as conflicts\n";
  EXPECT_EQ(
      count_sql(db.pool(), "SELECT count(*) FROM ml.model_registry WHERE status = 'deployed'"), 1);
  EXPECT_EQ(
      count_sql(db.pool(),
                "SELECT count(*) FROM ml.promotion_requests WHERE target_stage = 'production' AND "
                "final_decision IN ('promoted', 'override_promoted')"),
      5);
  // Every swap left two audit rows (the archived and the deployed model).
  EXPECT_EQ(count_sql(db.pool(),
                      "SELECT count(*) FROM system.audit_log WHERE action IN ('model.rollback', "
                      "'model.promotion') AND to_state = 'deployed'"),
            swaps.load() + 3);
}
