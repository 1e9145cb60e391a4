// The governance use cases called as a door calls them: an identity authenticated from a token,
// typed requests, typed results; the role rules and refusal audits hold without the CLI.
#include <gtest/gtest.h>

#include <fstream>

#include "app/audit_export.hpp"
#include "app/model_changes.hpp"
#include "app/model_queries.hpp"
#include "app/operations.hpp"
#include "app/policies.hpp"
#include "app/promotion.hpp"
#include "app/services.hpp"
#include "core/error.hpp"
#include "model_fixtures.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"
#include "support/test_tokens.hpp"

using namespace usdcop;

namespace {

class GovernanceUseCases : public ::testing::Test {
 protected:
  usdcop::testing::TestDatabase db;
  SimulatedClock clock{parse_timestamp_or_throw("2025-03-04T15:00:00Z", "now")};
  app::Services services{db.url(), clock};

  app::Caller caller(const std::string& name, const std::string& role) {
    const auto secret = usdcop::testing::make_token(db, name, role);
    return {app::authenticate(services, secret), app::new_request_id("test")};
  }
  long audit_rows(const std::string& where) {
    return usdcop::testing::count_sql(db.pool(),
                                      "SELECT count(*) FROM system.audit_log WHERE " + where);
  }
  template <class F>
  ErrorKind error_kind(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.kind();
    }
    ADD_FAILURE() << "no Error thrown";
    return ErrorKind::internal;
  }
};

}  // namespace

TEST_F(GovernanceUseCases, ServicesCarryTheClockTheyWereGiven) {
  EXPECT_EQ(services.clock().now(), clock.now());
  clock.advance(std::chrono::minutes(5));
  EXPECT_EQ(services.clock().now(), parse_timestamp_or_throw("2025-03-04T15:05:00Z", "now"));
}

TEST_F(GovernanceUseCases, OperationsModeChangesFollowTheRolesAndTransitions) {
  const auto viewer = caller("vera", "viewer");
  const auto op = caller("oscar", "operator");
  using app::ModeAction;
  EXPECT_EQ(error_kind([&] {
              app::change_operations_mode(services, {viewer, ModeAction::pause, "looks odd", ""});
            }),
            ErrorKind::conflict);
  EXPECT_EQ(audit_rows("action = 'auth.denied' AND actor = 'vera'"), 1);

  auto c = app::change_operations_mode(services, {op, ModeAction::pause, "spread too wide", ""});
  EXPECT_TRUE(c.changed);
  EXPECT_EQ(c.mode, "PAUSED");
  c = app::change_operations_mode(services, {op, ModeAction::kill, "feed is wrong", ""});
  EXPECT_EQ(c.mode, "KILLED");
  EXPECT_EQ(app::operations_mode(services).mode, "KILLED");
  // KILLED: pause is refused, resume needs the confirmation; both refusals are audited.
  EXPECT_EQ(error_kind([&] {
              app::change_operations_mode(services, {op, ModeAction::pause, "again", ""});
            }),
            ErrorKind::conflict);
  EXPECT_EQ(error_kind([&] {
              app::change_operations_mode(services, {op, ModeAction::resume, "feed is fixed", ""});
            }),
            ErrorKind::invalid_input);
  EXPECT_EQ(audit_rows("action = 'command.refused' AND actor = 'oscar'"), 2);
  c = app::change_operations_mode(
      services, {op, ModeAction::resume, "feed is fixed", store::kResumeConfirmation});
  EXPECT_EQ(c.previous, "KILLED");
  EXPECT_EQ(app::operations_mode(services).mode, "NORMAL");
  EXPECT_EQ(audit_rows("actor = 'oscar' AND request_id = '" + op.request_id + "'"), 3);
}

TEST_F(GovernanceUseCases, RegisterPromoteListShowAndLineage) {
  usdcop::testing::TempDir tmp;
  const auto run_dir = usdcop::testing::write_run_directory(tmp.path(), "ppo_app");
  const auto op = caller("oscar", "operator");
  const auto viewer = caller("vera", "viewer");
  EXPECT_EQ(error_kind([&] {
              app::register_model(services, {viewer, run_dir});
            }),
            ErrorKind::conflict);
  const auto m = app::register_model(services, {op, run_dir});
  EXPECT_EQ(m.status, models::ModelStatus::registered);
  const auto bt =
      usdcop::testing::insert_backtest(db.pool(), m.model_id, usdcop::testing::passing_backtest());

  // A bad stage is the caller's input: refused and audited like any rule.
  EXPECT_EQ(error_kind([&] {
              app::request_promotion(services,
                                     {op, m.model_id, "prod", bt, "ready for staging now", false});
            }),
            ErrorKind::invalid_input);
  EXPECT_EQ(audit_rows("action = 'command.refused' AND actor = 'oscar'"), 1);
  const auto r = app::request_promotion(
      services, {op, m.model_id, "staging", bt, "passes every staging gate", false});
  EXPECT_EQ(r.final_decision, "promoted");
  EXPECT_EQ(r.requested_by, "oscar");

  const auto staging = app::list_models(services, {models::ModelStatus::staging});
  ASSERT_EQ(staging.size(), 1u);
  EXPECT_EQ(staging[0].model_id, m.model_id);
  const auto details = app::show_model(services, m.model_id);
  ASSERT_EQ(details.backtests.size(), 1u);
  EXPECT_EQ(details.backtests[0].backtest_id, bt);
  EXPECT_EQ(app::list_promotions(services, std::string("promoted")).size(), 1u);
  EXPECT_EQ(app::show_promotion(services, r.request_id).model_id, m.model_id);
  EXPECT_EQ(app::model_lineage(services, m.model_id)["promotion_requests"].size(), 1u);
  EXPECT_EQ(error_kind([&] { app::show_model(services, "nope"); }), ErrorKind::not_found);
}

TEST_F(GovernanceUseCases, RollbackIsForAdmins) {
  const auto op = caller("oscar", "operator");
  EXPECT_EQ(error_kind([&] {
              app::rollback_model(services, {op, std::nullopt, "the new model misbehaves"});
            }),
            ErrorKind::conflict);
  EXPECT_EQ(audit_rows("action = 'auth.denied' AND actor = 'oscar'"), 1);
  // An admin gets the registry's own answer: no production model to roll back from.
  const auto admin = caller("ada", "admin");
  EXPECT_EQ(error_kind([&] {
              app::rollback_model(services, {admin, std::nullopt, "the new model misbehaves"});
            }),
            ErrorKind::not_found);
  EXPECT_EQ(audit_rows("action = 'command.refused' AND actor = 'ada'"), 1);
}

TEST_F(GovernanceUseCases, PolicyApplyAndAuditExport) {
  const auto admin = caller("ada", "admin");
  const auto op = caller("oscar", "operator");
  std::ifstream in(usdcop::testing::source_root() / "config" / "promotion.yaml");
  const std::string yaml((std::istreambuf_iterator<char>(in)), {});
  ASSERT_FALSE(yaml.empty());
  EXPECT_EQ(error_kind([&] {
              app::apply_policy(services, {op, "promotion", yaml});
            }),
            ErrorKind::conflict);
  EXPECT_FALSE(app::active_policies(services, std::string("promotion")).at("promotion"));
  const auto first = app::apply_policy(services, {admin, "promotion", yaml});
  EXPECT_TRUE(first.changed);
  const auto again = app::apply_policy(services, {admin, "promotion", yaml});
  EXPECT_FALSE(again.changed);
  EXPECT_EQ(again.version.version, first.version.version);
  const auto all = app::active_policies(services, std::nullopt);
  EXPECT_EQ(all.size(), 3u);
  EXPECT_EQ(all.at("promotion")->sha256, first.version.sha256);

  const Timestamp now = now_utc();
  const auto rows =
      app::export_audit(services, {now - std::chrono::hours(1), now + std::chrono::hours(1)});
  EXPECT_GE(rows.size(), 2u);  // auth.denied of oscar, policy.apply of ada
  try {
    app::export_audit(services, {now, now});
    ADD_FAILURE() << "an empty range was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_EQ(e.field(), "to");
  }
  EXPECT_FALSE(app::verify_audit(services).first_broken_id.has_value());
}
