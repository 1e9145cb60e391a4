// Models and promotion endpoints (spec 05, 07): list/get/card/lineage, promotion request
// (staging by the auto vote), the manual vote with four-eyes, rollback (admin) and its targets.
#include "api_fixture.hpp"
#include "model_fixtures.hpp"
#include "support/test_tokens.hpp"

using usdcop::testing::ApiTest;
namespace t = usdcop::testing;

namespace {
class ModelsApi : public ApiTest {
 protected:
  t::TempDir tmp;
};
}  // namespace

TEST_F(ModelsApi, ListGetCardLineage) {
  t::register_model(db.pool(), tmp.path(), "ppo_api_a", {.seed = 1});
  t::register_model(db.pool(), tmp.path(), "ppo_api_b", {.seed = 2});
  const auto list = get("/api/v1/models", viewer);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json["models"].size(), 2u);
  EXPECT_EQ(get("/api/v1/models?status=staging", viewer).json["models"].size(), 0u);
  const auto bad_status = get("/api/v1/models?status=flying", viewer);
  EXPECT_EQ(bad_status.status, 400);
  EXPECT_EQ(bad_status.json["error"]["field"], "status");

  const auto one = get("/api/v1/models/ppo_api_a", viewer);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.json["model_id"], "ppo_api_a");
  EXPECT_EQ(one.json["status"], "registered");
  EXPECT_TRUE(one.json["backtests"].is_array());
  const auto missing = get("/api/v1/models/ppo_nope", viewer);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json["error"]["code"], "not_found");
  // Percent-encoded SQL in the path is just an unknown id.
  EXPECT_EQ(get("/api/v1/models/x'%20OR%20'1'='1", viewer).status, 404);

  const auto card = get("/api/v1/models/ppo_api_a/card", viewer);
  ASSERT_EQ(card.status, 200);
  EXPECT_NE(card.header("Content-Type").find("text/markdown"), std::string::npos);
  EXPECT_NE(card.body.find("ppo_api_a"), std::string::npos);
  const auto lineage = get("/api/v1/models/ppo_api_a/lineage", viewer);
  ASSERT_EQ(lineage.status, 200) << lineage.body;
  EXPECT_EQ(lineage.json["model_id"], "ppo_api_a");
}

TEST_F(ModelsApi, PromoteToStagingThenProductionWithFourEyes) {
  t::register_model(db.pool(), tmp.path(), "ppo_api_p", {.seed = 3});
  const auto staging_bt = t::insert_backtest(db.pool(), "ppo_api_p", t::passing_backtest());
  const auto staged = post("/api/v1/models/ppo_api_p/promote", operator_,
                           nlohmann::json{{"target_stage", "staging"},
                                          {"backtest_id", staging_bt},
                                          {"reason", "passes every staging gate"},
                                          {"promoted_by", "claimed name"}});
  ASSERT_EQ(staged.status, 200) << staged.body;
  EXPECT_EQ(staged.json["final_decision"], "promoted");
  EXPECT_EQ(get("/api/v1/models/ppo_api_p", viewer).json["status"], "staging");

  const auto prod_bt = t::insert_backtest(db.pool(), "ppo_api_p", t::passing_backtest());
  const nlohmann::json prod = {{"target_stage", "production"},
                               {"backtest_id", prod_bt},
                               {"reason", "ready for production today"},
                               {"skip_staging_time", true}};
  EXPECT_EQ(post("/api/v1/models/ppo_api_p/promote", operator_, prod).status, 403)
      << "skip_staging_time is admin only";
  const auto request = post("/api/v1/models/ppo_api_p/promote", admin, prod);
  ASSERT_EQ(request.status, 200) << request.body;
  EXPECT_EQ(request.json["final_decision"], "pending");
  const std::string uuid = request.json["request_id"];
  EXPECT_EQ(get("/api/v1/promotions/" + uuid, viewer).json["model_id"], "ppo_api_p");
  EXPECT_EQ(get("/api/v1/promotions?status=pending", viewer).json["promotions"].size(), 1u);

  const nlohmann::json approve = {
      {"decision", "approve"},
      {"comment", "reviewed the backtest and metrics"},
      {"checklist",
       {{"backtest_reviewed", true}, {"metrics_acceptable", true}, {"team_notified", true}}}};
  const auto own = post("/api/v1/promotions/" + uuid + "/vote", admin, approve);
  EXPECT_EQ(own.status, 409) << "four-eyes: " << own.body;
  auto incomplete = approve;
  incomplete["checklist"]["team_notified"] = false;
  EXPECT_EQ(post("/api/v1/promotions/" + uuid + "/vote", operator_, incomplete).status, 400);
  auto typo = approve;
  typo["checklist"]["team_notifed"] = true;
  const auto typo_r = post("/api/v1/promotions/" + uuid + "/vote", operator_, typo);
  EXPECT_EQ(typo_r.status, 400);
  EXPECT_EQ(typo_r.json["error"]["field"], "checklist.team_notifed");
  const auto vote = post("/api/v1/promotions/" + uuid + "/vote", operator_, approve);
  ASSERT_EQ(vote.status, 200) << vote.body;
  EXPECT_NE(vote.json["final_decision"], "pending");
  EXPECT_EQ(
      text("SELECT manual_vote_by FROM ml.promotion_requests WHERE request_id = '" + uuid + "'"),
      "olga");
  EXPECT_EQ(get("/api/v1/promotions/not-a-uuid", viewer).status, 400);
  EXPECT_EQ(get("/api/v1/promotions/00000000-0000-0000-0000-000000000000", viewer).status, 404);
}

TEST_F(ModelsApi, RollbackIsAdminAndReportsItsTime) {
  for (const char* id : {"ppo_api_old", "ppo_api_new"}) {
    t::register_model(db.pool(), tmp.path(), id, {.seed = static_cast<unsigned>(id[8])});
    t::stage_model(db.pool(), id);
    t::deploy_model(db.pool(), id);
  }
  const auto targets = get("/api/v1/models/rollback-targets", viewer);
  ASSERT_EQ(targets.status, 200) << targets.body;
  EXPECT_EQ(targets.json["current_production"]["model_id"], "ppo_api_new");
  ASSERT_EQ(targets.json["available_targets"].size(), 1u);
  EXPECT_EQ(targets.json["recommended"], "ppo_api_old");

  const nlohmann::json body = {{"reason", "latency regression in production"},
                               {"initiated_by", "claimed"}};
  EXPECT_EQ(post("/api/v1/models/rollback", operator_, body).status, 403);
  EXPECT_EQ(post("/api/v1/models/rollback", admin, nlohmann::json{{"reason", "short"}}).status,
            400);
  const auto rb = post("/api/v1/models/rollback", admin, body, {{"X-Request-Id", "rb-1"}});
  ASSERT_EQ(rb.status, 200) << rb.body;
  EXPECT_EQ(rb.json["previous_model"], "ppo_api_new");
  EXPECT_EQ(rb.json["new_model"], "ppo_api_old");
  EXPECT_GT(rb.json["rollback_time_ms"].get<double>(), 0.0);
  EXPECT_EQ(get("/api/v1/models?status=deployed", viewer).json["models"][0]["model_id"],
            "ppo_api_old");
  EXPECT_EQ(count("SELECT count(*) FROM system.audit_log WHERE actor = 'adam' AND role = 'admin' "
                  "AND request_id = 'rb-1'"),
            count("SELECT count(*) FROM system.audit_log WHERE request_id = 'rb-1'"));
  EXPECT_GE(count("SELECT count(*) FROM system.audit_log WHERE request_id = 'rb-1'"), 1);
  const auto thresholds = get("/api/v1/promotion-thresholds", viewer);
  ASSERT_EQ(thresholds.status, 200) << thresholds.body;
  EXPECT_TRUE(thresholds.json.contains("profiles"));
}
