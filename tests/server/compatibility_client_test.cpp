// The compatibility client of spec 07/12: the original platform's end-to-end workflow, unchanged
// apart from the bearer tokens and one added vote by a second principal, over loopback HTTP.
// Fixture (spec 12): two registered models with gate-passing backtests — ppo_primary_v1 in
// production, ppo_primary_v2 registered — and enough shadow rows of v2 paired with v1's
// decisions (120 agreeing bars, dated after v2 reaches staging), plus a week of complete
// feature rows for /features/latest, /predict and drift.
#include "api_fixture.hpp"
#include "drift_fixture.hpp"

using usdcop::testing::ApiTest;
namespace t = usdcop::testing;
using namespace usdcop;

namespace {

class CompatibilityClient : public ApiTest {
 protected:
  t::TempDir tmp;
  void SetUp() override {
    auto& pool = db.pool();
    for (const auto* id : {"ppo_primary_v1", "ppo_primary_v2"}) {
      t::register_loadable_model(pool, tmp.path(), id, id[13] == '1' ? 31 : 32);
      t::insert_backtest(pool, id, t::passing_backtest());
    }
    t::stage_model(pool, "ppo_primary_v1");
    t::deploy_model(pool, "ppo_primary_v1");
    // Shadow bars are counted from v2's staging time on: the pairs are dated after it.
    t::exec_sql(pool,
                "INSERT INTO trading.model_inferences (time, model_id, role, action, signal) "
                "SELECT date_trunc('hour', now()) + interval '1 hour' + i * interval '5 minutes', "
                "m.id, m.role, 0.5, 1 FROM generate_series(0, 119) i, (VALUES ('ppo_primary_v1', "
                "'production'), ('ppo_primary_v2', 'shadow')) m(id, role)");
    t::seed_feature_rows(pool, 300, {}, false);
  }
};

}  // namespace

TEST_F(CompatibilityClient, OriginalEndToEndWorkflow) {
  // List registered models.
  const auto models = get("/api/v1/models", admin);
  ASSERT_EQ(models.status, 200) << models.body;
  ASSERT_EQ(models.json["models"].size(), 2u);
  const auto v2 = get("/api/v1/models/ppo_primary_v2", admin);
  ASSERT_EQ(v2.status, 200) << v2.body;
  ASSERT_FALSE(v2.json["backtests"].empty());
  const std::string backtest_id = v2.json["backtests"][0]["backtest_id"];

  // Promote to staging, then to production with skip_staging_time (admin).
  const auto staged = post("/api/v1/models/ppo_primary_v2/promote", admin,
                           nlohmann::json{{"target_stage", "staging"},
                                          {"backtest_id", backtest_id},
                                          {"reason", "compatibility test: staging"},
                                          {"promoted_by", "e2e_test"}});
  ASSERT_EQ(staged.status, 200) << staged.body;
  EXPECT_EQ(get("/api/v1/models/ppo_primary_v2", admin).json["status"], "staging");
  const auto request = post("/api/v1/models/ppo_primary_v2/promote", admin,
                            nlohmann::json{{"target_stage", "production"},
                                           {"backtest_id", backtest_id},
                                           {"reason", "compatibility test: production"},
                                           {"promoted_by", "e2e_test"},
                                           {"skip_staging_time", true}});
  ASSERT_EQ(request.status, 200) << request.body;
  const std::string uuid = request.json["request_id"];
  // The one added step: the second vote, by another principal (four-eyes).
  const auto vote = post(
      "/api/v1/promotions/" + uuid + "/vote", operator_,
      nlohmann::json{
          {"decision", "approve"},
          {"comment", "second principal: reviewed"},
          {"checklist",
           {{"backtest_reviewed", true}, {"metrics_acceptable", true}, {"team_notified", true}}}});
  ASSERT_EQ(vote.status, 200) << vote.body;
  EXPECT_EQ(vote.json["final_decision"], "promoted") << vote.body;
  const auto deployed = get("/api/v1/models?status=deployed", admin);
  ASSERT_EQ(deployed.json["models"].size(), 1u);
  EXPECT_EQ(deployed.json["models"][0]["model_id"], "ppo_primary_v2");

  // Roll back: the deployed model changes and the time is reported.
  const auto rollback =
      post("/api/v1/models/rollback", admin,
           nlohmann::json{{"reason", "compatibility test rollback"}, {"initiated_by", "e2e"}});
  ASSERT_EQ(rollback.status, 200) << rollback.body;
  EXPECT_TRUE(rollback.json["success"].get<bool>());
  EXPECT_GT(rollback.json["rollback_time_ms"].get<double>(), 0.0);
  const auto after = get("/api/v1/models?status=deployed", admin);
  ASSERT_EQ(after.json["models"].size(), 1u);
  EXPECT_NE(after.json["models"][0]["model_id"], "ppo_primary_v2");
  EXPECT_EQ(after.json["models"][0]["model_id"], rollback.json["new_model"]);

  // Kill switch, then resume with CONFIRM_RESUME.
  const auto kill = post("/api/v1/operations/kill-switch", admin,
                         nlohmann::json{{"reason", "compatibility test kill"},
                                        {"activated_by", "e2e"},
                                        {"close_positions", false},
                                        {"notify_team", false}});
  ASSERT_EQ(kill.status, 200) << kill.body;
  EXPECT_EQ(kill.json["mode"], "killed");
  const auto killed = get("/api/v1/operations/status", admin);
  EXPECT_EQ(killed.json["kill_switch_active"], true);
  const auto resume =
      post("/api/v1/operations/resume?resumed_by=e2e&confirmation_code=CONFIRM_RESUME", admin, "");
  ASSERT_EQ(resume.status, 200) << resume.body;
  EXPECT_EQ(resume.json["mode"], "normal");
  EXPECT_EQ(get("/api/v1/operations/status", admin).json["mode"], "normal");

  // Latest features, then predict with the production alias.
  const auto latest = get("/api/v1/features/latest", admin);
  ASSERT_EQ(latest.status, 200) << latest.body;
  ASSERT_EQ(latest.json["feature_vector"].size(), 15u);
  const auto prediction = post(
      "/api/v1/predict", admin,
      nlohmann::json{{"features", latest.json["feature_vector"]}, {"model_id", "ppo_primary"}});
  ASSERT_EQ(prediction.status, 200) << prediction.body;
  const double action = prediction.json["action"];
  EXPECT_GE(action, -1.0);
  EXPECT_LE(action, 1.0);
  const std::string signal = prediction.json["signal"];
  EXPECT_TRUE(signal == "LONG" || signal == "SHORT" || signal == "HOLD") << signal;
  EXPECT_LT(prediction.json["latency_ms"].get<double>(), 100.0);  // the client's own check

  // Drift.
  const auto drift = get("/api/v1/models/router/drift", admin);
  ASSERT_EQ(drift.status, 200) << drift.body;
  for (const char* f : {"rsi_9", "atr_pct", "adx_14", "dxy_z"})
    EXPECT_TRUE(drift.json["psi_scores"].contains(f)) << f;
  EXPECT_EQ(drift.json["threshold"], 0.2);
}
