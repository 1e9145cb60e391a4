// The vote matrix of spec 05 through the database: one test per row.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "core/error.hpp"
#include "model_fixtures.hpp"
#include "store/database.hpp"
#include "support/test_database.hpp"

using namespace usdcop;
using usdcop::testing::count_sql;
using usdcop::testing::text_sql;

namespace {

class PromotionTest : public ::testing::Test {
 protected:
  usdcop::testing::TestDatabase db;
  usdcop::testing::TempDir tmp;
  store::PgPromotions promotions{db.pool(), models::default_promotion_thresholds()};
  store::PgModelRegistry registry{db.pool()};

  std::string status(const std::string& id) { return models::to_string(registry.get(id).status); }
  models::ManualVote vote(const std::string& who, models::Role role, bool approve = true) {
    models::ManualVote v;
    v.voter = who;
    v.role = role;
    v.approve = approve;
    v.comment = "looked at the equity curve and the trades";
    models::apply_checklist("backtest_reviewed,metrics_acceptable,team_notified", v);
    return v;
  }
  // A staged model with a pending production request (by alice) on the given backtest.
  models::PromotionRequest pending_production(const std::string& id,
                                              const usdcop::testing::BacktestFigures& f) {
    usdcop::testing::register_model(db.pool(), tmp.path(), id);
    usdcop::testing::stage_model(db.pool(), id);
    const auto bt = usdcop::testing::insert_backtest(db.pool(), id, f);
    return promotions.request({id, models::Stage::production, bt, "ready for production"},
                              usdcop::testing::actor("alice"));
  }
  // Shadow rows: `bars` bars in the last days where both models inferred, `agree` of them alike.
  void shadow(const std::string& prod, const std::string& staged, int bars, int agree) {
    // One base time for both models' rows, so that their bars pair up.
    const std::string base =
        "'" + text_sql(db.pool(), "SELECT date_trunc('minute', now())::text") + "'::timestamptz";
    const std::string n = std::to_string(bars);
    usdcop::testing::exec_sql(
        db.pool(),
        "INSERT INTO trading.model_inferences (time, model_id, role, action, signal) "
        "SELECT " +
            base + " - g * interval '5 minutes', '" + prod +
            "', 'production', 0.5, 1 FROM generate_series(1, " + n + ") g");
    usdcop::testing::exec_sql(
        db.pool(),
        "INSERT INTO trading.model_inferences (time, model_id, role, action, signal) "
        "SELECT " +
            base + " - g * interval '5 minutes', '" + staged + "', 'shadow', 0.5, CASE WHEN g <= " +
            std::to_string(agree) + " THEN 1 ELSE 0 END FROM generate_series(1, " + n + ") g");
  }
};

}  // namespace

TEST_F(PromotionTest, StagingAutoPassPromotes) {
  usdcop::testing::register_model(db.pool(), tmp.path(), "m_stage");
  const auto bt =
      usdcop::testing::insert_backtest(db.pool(), "m_stage", usdcop::testing::passing_backtest());
  const auto r = promotions.request({"m_stage", models::Stage::staging, bt, "first staging run"},
                                    usdcop::testing::actor("alice"));
  EXPECT_EQ(r.auto_vote_status, "passed");
  EXPECT_EQ(r.final_decision, "promoted");
  EXPECT_TRUE(r.promoted_at.has_value());
  EXPECT_EQ(r.auto_vote_details["sharpe_ratio"]["threshold"], 0.5);
  EXPECT_EQ(r.auto_vote_details["sharpe_ratio"]["passed"], true);
  EXPECT_EQ(status("m_stage"), "staging");
  EXPECT_TRUE(registry.get("m_stage").staged_at.has_value());
  EXPECT_EQ(
      count_sql(db.pool(),
                "SELECT count(*) FROM system.audit_log WHERE action = 'model.stage' AND "
                "object_id = 'm_stage' AND from_state = 'registered' AND to_state = 'staging'"),
      1);
}

TEST_F(PromotionTest, StagingAutoFailRejects) {
  usdcop::testing::register_model(db.pool(), tmp.path(), "m_bad");
  const auto bt =
      usdcop::testing::insert_backtest(db.pool(), "m_bad", usdcop::testing::failing_backtest());
  const auto r = promotions.request({"m_bad", models::Stage::staging, bt, "first staging run"},
                                    usdcop::testing::actor("alice"));
  EXPECT_EQ(r.auto_vote_status, "failed");
  EXPECT_EQ(r.final_decision, "rejected");
  EXPECT_EQ(r.auto_vote_details["win_rate"]["passed"], false);
  EXPECT_EQ(status("m_bad"), "rejected");
}

TEST_F(PromotionTest, ProductionPassAndApproveDeploysAndArchivesThePrevious) {
  usdcop::testing::register_model(db.pool(), tmp.path(), "m_old");
  usdcop::testing::stage_model(db.pool(), "m_old");
  usdcop::testing::deploy_model(db.pool(), "m_old");
  usdcop::testing::register_model(db.pool(), tmp.path(), "m_new");
  usdcop::testing::stage_model(db.pool(), "m_new");
  shadow("m_old", "m_new", 120, 110);  // 91.7 % agreement
  const auto bt =
      usdcop::testing::insert_backtest(db.pool(), "m_new", usdcop::testing::passing_backtest());
  const auto r =
      promotions.request({"m_new", models::Stage::production, bt, "better test-period Sharpe"},
                         usdcop::testing::actor("alice"));
  ASSERT_EQ(r.auto_vote_status, "passed") << r.auto_vote_details.dump();
  EXPECT_NEAR(r.auto_vote_details["shadow_agreement"]["value"].get<double>(), 110.0 / 120.0, 1e-12);
  EXPECT_EQ(r.final_decision, "pending");
  EXPECT_EQ(status("m_new"), "staging");

  auto listener = store::open_connection(db.url());
  struct Receiver : pqxx::notification_receiver {
    std::vector<std::string> payloads;
    Receiver(pqxx::connection_base& c) : pqxx::notification_receiver(c, "model_changed") {}
    void operator()(const std::string& payload, int) override { payloads.push_back(payload); }
  } receiver(*listener);
  listener->get_notifs();

  const auto decided = promotions.vote(r.request_id, vote("bob", models::Role::operator_));
  EXPECT_EQ(decided.final_decision, "promoted");
  EXPECT_EQ(decided.manual_vote_status, "approved");
  EXPECT_EQ(decided.manual_vote_by, "bob");
  EXPECT_TRUE(decided.promoted_at.has_value());
  EXPECT_EQ(status("m_new"), "deployed");
  EXPECT_EQ(status("m_old"), "archived");
  EXPECT_TRUE(registry.get("m_new").was_production);
  EXPECT_EQ(
      count_sql(db.pool(), "SELECT count(*) FROM ml.model_registry WHERE status = 'deployed'"), 1);
  for (int i = 0; i < 50 && receiver.payloads.empty(); ++i) listener->await_notification(0, 100000);
  ASSERT_EQ(receiver.payloads.size(), 1u);
  const auto payload = nlohmann::json::parse(receiver.payloads[0]);
  EXPECT_EQ(payload["event"], "promotion");
  EXPECT_EQ(payload["previous_model"], "m_old");
  EXPECT_EQ(payload["new_model"], "m_new");
}

TEST_F(PromotionTest, ProductionFailAndApproveByOperatorIsRefused) {
  const auto r = pending_production("m_weak", usdcop::testing::staging_only_backtest());
  ASSERT_EQ(r.auto_vote_status, "failed");
  try {
    promotions.vote(r.request_id, vote("bob", models::Role::operator_));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
    EXPECT_NE(std::string(e.what()).find("admin"), std::string::npos);
  }
  EXPECT_EQ(promotions.get(r.request_id).final_decision, "pending");
  EXPECT_EQ(status("m_weak"), "staging");
}

TEST_F(PromotionTest, ProductionFailAndApproveByAdminIsOverrideAndFlagged) {
  const auto r = pending_production("m_weak", usdcop::testing::staging_only_backtest());
  const auto decided = promotions.vote(r.request_id, vote("bob", models::Role::admin));
  EXPECT_EQ(decided.final_decision, "override_promoted");
  EXPECT_EQ(decided.manual_vote_role, "admin");
  EXPECT_EQ(status("m_weak"), "deployed");
  EXPECT_EQ(
      count_sql(db.pool(),
                "SELECT count(*) FROM system.audit_log WHERE action = 'promotion.override' AND "
                "(details->>'override')::boolean AND actor = 'bob' AND role = 'admin'"),
      1);
}

TEST_F(PromotionTest, AnyRejectRejectsAndKeepsTheModelInStaging) {
  const auto r = pending_production("m_ok", usdcop::testing::passing_backtest());
  auto v = vote("bob", models::Role::operator_, false);
  v.backtest_reviewed = v.metrics_acceptable = v.team_notified = false;
  const auto decided = promotions.vote(r.request_id, v);
  EXPECT_EQ(decided.final_decision, "rejected");
  EXPECT_EQ(decided.manual_vote_status, "rejected");
  EXPECT_EQ(status("m_ok"), "staging");
  try {
    promotions.vote(r.request_id, vote("carol", models::Role::admin));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);  // already decided
  }
}

TEST_F(PromotionTest, SamePersonVotingIsRefused) {
  const auto r = pending_production("m_ok", usdcop::testing::passing_backtest());
  try {
    promotions.vote(r.request_id, vote("alice", models::Role::admin));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
    EXPECT_NE(std::string(e.what()).find("four-eyes"), std::string::npos);
  }
  EXPECT_EQ(promotions.get(r.request_id).manual_vote_status, "pending");
}

TEST_F(PromotionTest, IncompleteChecklistIsRefusedNamingTheMissingItems) {
  const auto r = pending_production("m_ok", usdcop::testing::passing_backtest());
  auto v = vote("bob", models::Role::operator_);
  v.team_notified = false;
  try {
    promotions.vote(r.request_id, v);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("missing: team_notified"), std::string::npos) << e.what();
  }
  EXPECT_EQ(status("m_ok"), "staging");
}

TEST_F(PromotionTest, ReasonShorterThanTenCharactersIsRefused) {
  usdcop::testing::register_model(db.pool(), tmp.path(), "m_r");
  const auto bt =
      usdcop::testing::insert_backtest(db.pool(), "m_r", usdcop::testing::passing_backtest());
  try {
    promotions.request({"m_r", models::Stage::staging, bt, "too short"},
                       usdcop::testing::actor("alice"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("10 characters"), std::string::npos);
  }
  EXPECT_EQ(count_sql(db.pool(), "SELECT count(*) FROM ml.promotion_requests"), 0);
}

TEST_F(PromotionTest, NotEnoughShadowDataFailsTheGateVisibly) {
  usdcop::testing::register_model(db.pool(), tmp.path(), "m_prod");
  usdcop::testing::stage_model(db.pool(), "m_prod");
  usdcop::testing::deploy_model(db.pool(), "m_prod");
  const auto r = pending_production("m_next", usdcop::testing::passing_backtest());
  EXPECT_EQ(r.auto_vote_status, "failed");
  EXPECT_EQ(r.auto_vote_details["shadow_agreement"]["passed"], false);
  EXPECT_NE(r.auto_vote_details["shadow_agreement"]["note"].get<std::string>().find(
                "not enough shadow data"),
            std::string::npos);
}

TEST_F(PromotionTest, SkipStagingTimeIsAdminOnlyAndAudited) {
  usdcop::testing::register_model(db.pool(), tmp.path(), "m_fast");
  const auto sbt =
      usdcop::testing::insert_backtest(db.pool(), "m_fast", usdcop::testing::passing_backtest());
  promotions.request({"m_fast", models::Stage::staging, sbt, "staging candidate"},
                     usdcop::testing::actor("alice"));
  const auto bt =
      usdcop::testing::insert_backtest(db.pool(), "m_fast", usdcop::testing::passing_backtest());
  const auto without =
      promotions.request({"m_fast", models::Stage::production, bt, "urgent fix for production"},
                         usdcop::testing::actor("alice", "admin"));
  EXPECT_EQ(without.auto_vote_details["days_in_staging"]["passed"], false);  // staged seconds ago
  promotions.vote(without.request_id, vote("bob", models::Role::operator_, false));
  try {
    promotions.request({"m_fast", models::Stage::production, bt, "urgent fix for production", true},
                       usdcop::testing::actor("alice", "operator"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
  }
  const auto r = promotions.request(
      {"m_fast", models::Stage::production, bt, "urgent fix for production", true},
      usdcop::testing::actor("alice", "admin"));
  EXPECT_TRUE(r.skip_staging_time);
  EXPECT_EQ(r.auto_vote_status, "passed");
  EXPECT_EQ(
      count_sql(
          db.pool(),
          "SELECT count(*) FROM system.audit_log WHERE action = 'promotion.skip_staging_time'"),
      1);
}

TEST_F(PromotionTest, BacktestOfAnotherModelAndWrongStatusAreRefused) {
  usdcop::testing::register_model(db.pool(), tmp.path(), "m_a");
  usdcop::testing::register_model(db.pool(), tmp.path(), "m_b", {.seed = 9});
  const auto bt_b =
      usdcop::testing::insert_backtest(db.pool(), "m_b", usdcop::testing::passing_backtest());
  EXPECT_THROW(promotions.request({"m_a", models::Stage::staging, bt_b, "borrowed backtest"},
                                  usdcop::testing::actor("alice")),
               Error);
  const auto bt_a =
      usdcop::testing::insert_backtest(db.pool(), "m_a", usdcop::testing::passing_backtest());
  try {  // production straight from registered
    promotions.request({"m_a", models::Stage::production, bt_a, "skip the staging stage"},
                       usdcop::testing::actor("alice"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
  }
}
