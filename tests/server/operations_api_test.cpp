// Operations endpoints (spec 07): status, kill switch, pause, resume with CONFIRM_RESUME,
// history; audit rows carry the token's principal, role and the request id; bad input is a
// clear 4xx and changes nothing.
#include "api_fixture.hpp"

using usdcop::testing::ApiTest;

namespace {
class OperationsApi : public ApiTest {
 protected:
  std::string mode() { return text("SELECT mode FROM trading.operations_state"); }
};
}  // namespace

TEST_F(OperationsApi, KillThenResumeWithConfirmation) {
  const auto status = get("/api/v1/operations/status", viewer);
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_EQ(status.json["mode"], "normal");
  EXPECT_EQ(status.json["kill_switch_active"], false);
  for (const char* key : {"reason", "changed_by", "changed_at", "timestamp"})
    EXPECT_TRUE(status.json.contains(key)) << key;

  const auto kill = post("/api/v1/operations/kill-switch", operator_,
                         nlohmann::json{{"reason", "drill: end-to-end kill switch"},
                                        {"activated_by", "someone else"},
                                        {"close_positions", false},
                                        {"notify_team", false}},
                         {{"X-Request-Id", "drill-kill-1"}});
  ASSERT_EQ(kill.status, 200) << kill.body;
  EXPECT_EQ(kill.json["success"], true);
  EXPECT_EQ(kill.json["mode"], "killed");
  EXPECT_EQ(kill.json["positions_closed"], 0);
  EXPECT_TRUE(kill.json.contains("activated_at"));
  const auto killed = get("/api/v1/operations/status", viewer);
  EXPECT_EQ(killed.json["mode"], "killed");
  EXPECT_EQ(killed.json["kill_switch_active"], true);
  EXPECT_EQ(killed.json["changed_by"], "olga");
  // The actor is the token's principal; the claimed name is only a detail (spec 12).
  EXPECT_EQ(text("SELECT actor || '|' || role || '|' || request_id || '|' || "
                 "(details->>'claimed_by') FROM system.audit_log WHERE action = "
                 "'operations.kill'"),
            "olga|operator|drill-kill-1|someone else");

  const auto no_code = post("/api/v1/operations/resume", operator_, nlohmann::json::object());
  EXPECT_EQ(no_code.status, 400);
  EXPECT_EQ(no_code.json["error"]["field"], "confirmation_code");
  EXPECT_EQ(mode(), "KILLED");
  EXPECT_EQ(
      post("/api/v1/operations/pause", operator_, nlohmann::json{{"reason", "pause while killed"}})
          .status,
      409);
  // The original platform sends the code as query parameters.
  const auto resume =
      post("/api/v1/operations/resume?confirmation_code=CONFIRM_RESUME&resumed_by=x", operator_,
           std::string());
  ASSERT_EQ(resume.status, 200) << resume.body;
  EXPECT_EQ(resume.json["mode"], "normal");
  EXPECT_EQ(get("/api/v1/operations/status", viewer).json["mode"], "normal");

  const auto history = get("/api/v1/operations/history", viewer);
  ASSERT_EQ(history.status, 200) << history.body;
  ASSERT_EQ(history.json["history"].size(), 2u);
  EXPECT_EQ(history.json["history"][0]["action"], "operations.resume");  // newest first
  EXPECT_EQ(history.json["history"][1]["action"], "operations.kill");
}

TEST_F(OperationsApi, PauseAndResumeFromPause) {
  const auto pause = post("/api/v1/operations/pause", operator_,
                          nlohmann::json{{"reason", "macro release"}, {"paused_by", "desk"}});
  ASSERT_EQ(pause.status, 200) << pause.body;
  EXPECT_EQ(pause.json["mode"], "paused");
  EXPECT_EQ(mode(), "PAUSED");
  const auto resume = post("/api/v1/operations/resume", admin, nlohmann::json::object());
  ASSERT_EQ(resume.status, 200) << resume.body;
  EXPECT_EQ(mode(), "NORMAL");
}

TEST_F(OperationsApi, BadBodiesAreClear4xxAndChangeNothing) {
  const long audit_before =
      count("SELECT count(*) FROM system.audit_log WHERE action LIKE 'operations.%'");
  struct Case {
    std::string body, field;
  };
  const std::vector<Case> cases = {
      {R"({"reason": "unterminated)", "body"},
      {R"(["reason"])", "body"},
      {R"({"reason": "x", "force": true})", "force"},
      {R"({"reason": 42})", "reason"},
      {R"({"reason": "ok reason", "close_positions": "yes"})", "close_positions"},
      {R"({"close_positions": false})", "reason"},
      {R"({"reason": ")" + std::string(3000, 'r') + "\"}", "reason"},
      {R"({"reason": "   "})", "reason"},
  };
  for (const auto& c : cases) {
    const auto r = post("/api/v1/operations/kill-switch", operator_, c.body);
    EXPECT_EQ(r.status, 400) << c.body.substr(0, 80) << " -> " << r.body.substr(0, 300);
    EXPECT_EQ(r.json["error"]["code"], "invalid_input");
    EXPECT_EQ(r.json["error"]["field"], c.field) << c.body.substr(0, 80);
    EXPECT_FALSE(r.json["error"]["message"].get<std::string>().empty());
  }
  EXPECT_EQ(mode(), "NORMAL");
  EXPECT_EQ(count("SELECT count(*) FROM system.audit_log WHERE action LIKE 'operations.%'"),
            audit_before);
  EXPECT_GE(count("SELECT count(*) FROM system.audit_log WHERE action = 'command.refused'"),
            static_cast<long>(cases.size()));
}

TEST_F(OperationsApi, SqlLookingReasonIsStoredVerbatim) {
  const std::string reason = "'); DROP TABLE trading.operations_state; --";
  ASSERT_EQ(post("/api/v1/operations/pause", operator_, nlohmann::json{{"reason", reason}}).status,
            200);
  EXPECT_EQ(text("SELECT reason FROM trading.operations_state"), reason);
  EXPECT_EQ(get("/api/v1/operations/status", viewer).json["reason"], reason);
}

TEST_F(OperationsApi, HistoryRefusesBadParameters) {
  EXPECT_EQ(get("/api/v1/operations/history?limit=0", viewer).json["error"]["field"], "limit");
  EXPECT_EQ(get("/api/v1/operations/history?from=yesterday", viewer).json["error"]["field"],
            "from");
  EXPECT_EQ(get("/api/v1/operations/history?bogus=1", viewer).status, 400);
}
