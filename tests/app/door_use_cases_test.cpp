// The use cases the CLI's ops, dlq, principal/token and data groups and the API's reads call
// (issue 9): typed requests, the roles checked and refusals audited without any door.
#include <gtest/gtest.h>

#include "app/dead_letters.hpp"
#include "app/ingest.hpp"
#include "app/market_reads.hpp"
#include "app/operations.hpp"
#include "app/principals.hpp"
#include "app/services.hpp"
#include "core/error.hpp"
#include "model_fixtures.hpp"
#include "support/test_database.hpp"
#include "support/test_tokens.hpp"

using namespace usdcop;

namespace {

class DoorUseCases : public ::testing::Test {
 protected:
  usdcop::testing::TestDatabase db;
  SimulatedClock clock{parse_timestamp_or_throw("2024-01-10T15:00:00Z", "now")};
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
  Error error_of(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "no Error thrown";
    return Error(ErrorKind::internal, "none");
  }
};

}  // namespace

TEST_F(DoorUseCases, ModeChangesCarryTheDoorsDetailsAndAuditName) {
  const auto op = caller("oscar", "operator");
  app::ModeChangeRequest kill{op, app::ModeAction::kill, "feed is wrong", ""};
  kill.details = {{"via", "api"}, {"claimed_by", "someone"}};
  kill.audited_as = "POST /operations/kill-switch";
  EXPECT_EQ(app::change_operations_mode(services, kill).mode, "KILLED");
  const auto history =
      app::operations_history(services, Timestamp{}, now_utc() + std::chrono::hours(24), 10);
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.front().actor, "oscar");
  EXPECT_EQ(history.front().details.value("claimed_by", ""), "someone");
  // Flatten is refused while KILLED; the refusal is audited under the door's name.
  app::ModeChangeRequest flatten{op, app::ModeAction::flatten, "close everything", ""};
  flatten.audited_as = "ops flatten";
  EXPECT_EQ(error_of([&] { app::change_operations_mode(services, flatten); }).kind(),
            ErrorKind::conflict);
  EXPECT_EQ(audit_rows("action = 'command.refused' AND details::text LIKE '%ops flatten%'"), 1);
  const auto status = app::engine_overview(services);
  EXPECT_EQ(status.dead_letters_open, 0);
}

TEST_F(DoorUseCases, DeadLettersNeedAnAdminAndAuditRefusals) {
  EXPECT_TRUE(app::list_dead_letters(services, "").empty());
  const auto viewer = caller("vera", "viewer");
  EXPECT_EQ(error_of([&] {
              app::retry_dead_letter(services, {viewer, 1});
            }).kind(),
            ErrorKind::conflict);
  const auto op = caller("oscar", "operator");
  EXPECT_EQ(error_of([&] {
              app::resolve_dead_letter(services, {op, 12345, "not a real letter"});
            }).kind(),
            ErrorKind::conflict);
  const auto admin = caller("ada", "admin");
  EXPECT_EQ(error_of([&] {
              app::resolve_dead_letter(services, {admin, 12345, "not a real letter"});
            }).kind(),
            ErrorKind::not_found);
  EXPECT_EQ(audit_rows("action = 'command.refused' AND actor = 'ada'"), 1);
}

TEST_F(DoorUseCases, PrincipalsAndTokensNeedAnAdmin) {
  const auto op = caller("oscar", "operator");
  EXPECT_EQ(error_of([&] {
              app::add_principal(services, {op, "mallory", models::Role::admin});
            }).kind(),
            ErrorKind::conflict);
  const auto admin = caller("ada", "admin");
  const auto added = app::add_principal(services, {admin, "Rita", models::Role::viewer});
  EXPECT_EQ(added.name, "rita");
  const auto issued = app::create_token(services, admin, {"rita", "laptop", {}, 30});
  EXPECT_EQ(app::authenticate(services, issued.secret).principal, "rita");
  bool listed = false;
  for (const auto& t : app::list_tokens(services, admin)) listed = listed || t.name == "laptop";
  EXPECT_TRUE(listed);
  EXPECT_EQ(error_of([&] { app::list_tokens(services, op); }).kind(), ErrorKind::conflict);
  app::disable_principal(services, admin, "rita");
  EXPECT_EQ(error_of([&] { app::authenticate(services, issued.secret); }).kind(),
            ErrorKind::invalid_input);
}

TEST_F(DoorUseCases, BarReadsKeepTheNewestWithinTheLimit) {
  const auto none = app::bars_in_range(services, {std::nullopt, clock.now(), 10});
  EXPECT_TRUE(none.empty_store);
  app::ingest_synthetic(services, {parse_date_or_throw("2024-01-02", "from"),
                                   parse_date_or_throw("2024-01-05", "to"), 7});
  const auto window = app::bars_in_range(services, {std::nullopt, clock.now(), 10});
  ASSERT_EQ(window.bars.size(), 10u);
  EXPECT_TRUE(window.truncated);
  const auto newest = app::latest_bar(services);
  ASSERT_TRUE(newest);
  EXPECT_EQ(window.bars.back().time, newest->time);
  EXPECT_EQ(window.to, clock.now());
  const auto too_long = error_of([&] {
    app::bars_in_range(services, {Timestamp{}, clock.now(), 10});
  });
  EXPECT_EQ(too_long.field(), "from");
  EXPECT_FALSE(app::latest_feature_row(services));
}
