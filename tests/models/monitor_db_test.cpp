// The automatic monitor wired to the registry and the operations state.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "model_fixtures.hpp"
#include "models/auto_rollback_monitor.hpp"
#include "store/pg_monitor_actions.hpp"
#include "support/reference_clock.hpp"
#include "support/test_database.hpp"

using namespace usdcop;
using namespace std::chrono_literals;
using usdcop::testing::count_sql;

TEST(MonitorWiring, ErrorRateRollsBackToTheRecommendedTargetAndAudits) {
  usdcop::testing::TestDatabase db;
  usdcop::testing::TempDir tmp;
  for (const char* id : {"w1", "w2"}) {
    usdcop::testing::register_model(db.pool(), tmp.path(), id,
                                    {.seed = static_cast<unsigned>(id[1])});
    usdcop::testing::stage_model(db.pool(), id);
    usdcop::testing::deploy_model(db.pool(), id);
  }
  std::vector<models::Alert> alerts;
  store::PgMonitorActions actions(db.pool(), [&](const models::Alert& a) { alerts.push_back(a); });
  Timestamp now = parse_timestamp_or_throw("2024-03-05T15:00:00Z", "now");
  usdcop::testing::ReferenceClock clock(now);
  models::AutoRollbackMonitor monitor({}, clock, actions);
  monitor.on_bar();
  for (int i = 0; i < 10; ++i) monitor.on_inference(i < 2, 30);  // 20 % errors
  const auto outcome = monitor.check();
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->acted) << outcome->error;
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_NE(alerts[0].title.find("inference error rate"), std::string::npos);
  store::PgModelRegistry registry(db.pool());
  EXPECT_EQ(registry.deployed()->model_id, "w1");
  EXPECT_EQ(
      count_sql(
          db.pool(),
          "SELECT count(*) FROM system.audit_log WHERE action = 'model.rollback' AND "
          "actor = 'auto-monitor' AND role = 'system' AND reason LIKE 'automatic rollback: %'"),
      2);
}

TEST(MonitorWiring, FailedAutomaticRollbackLeavesTheSystemPaused) {
  usdcop::testing::TestDatabase db;
  usdcop::testing::TempDir tmp;
  usdcop::testing::register_model(db.pool(), tmp.path(), "only");
  usdcop::testing::stage_model(db.pool(), "only");
  usdcop::testing::deploy_model(db.pool(), "only");  // no former production model to roll back to
  std::vector<models::Alert> alerts;
  store::PgMonitorActions actions(db.pool(), [&](const models::Alert& a) { alerts.push_back(a); });
  Timestamp now = parse_timestamp_or_throw("2024-03-05T15:00:00Z", "now");
  usdcop::testing::ReferenceClock clock(now);
  models::AutoRollbackMonitor monitor({}, clock, actions);
  monitor.on_bar();
  for (int i = 0; i < 10; ++i) monitor.on_trade_closed(-10);
  const auto outcome = monitor.check();
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->acted);
  EXPECT_TRUE(outcome->fell_back_to_pause);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[1].severity, "P0");
  store::PgOperationsControl ops(db.pool());
  EXPECT_EQ(ops.mode().mode, "PAUSED");
  EXPECT_EQ(
      count_sql(db.pool(),
                "SELECT count(*) FROM system.audit_log WHERE action = 'operations.pause' AND "
                "details->'values'->>'failed_action' = 'rollback' AND actor = 'auto-monitor'"),
      1);
  // 60 minutes without a bar: the kill switch, audited with the trigger values.
  now += 60min;
  const auto kill = monitor.check();
  ASSERT_TRUE(kill);
  EXPECT_EQ(kill->firing.action, models::MonitorAction::kill_switch);
  EXPECT_EQ(ops.mode().mode, "KILLED");
  EXPECT_EQ(count_sql(db.pool(),
                      "SELECT count(*) FROM system.audit_log WHERE action = 'operations.kill' AND "
                      "details->>'trigger' = 'no_bar_60min'"),
            1);
}
