// Alerts and incidents derived from what exists (app/alert_views.hpp): the operations mode, the
// dead letters, the newest drift run; incidents from kills and the automatic monitor's pauses
// in the audit log, resolved by the next resume.
#include "api_fixture.hpp"
#include "model_fixtures.hpp"
#include "store/pg_operations_control.hpp"

using usdcop::testing::ApiTest;
namespace t = usdcop::testing;
using namespace usdcop;

namespace {
class AlertsViewApi : public ApiTest {};

nlohmann::json find_alert(const nlohmann::json& list, const std::string& id) {
  for (const auto& a : list["alerts"])
    if (a["id"] == id) return a;
  return nullptr;
}
}  // namespace

TEST_F(AlertsViewApi, ModeDeadLettersAndDriftBecomeAlerts) {
  const auto empty = get("/api/v1/alerts", viewer);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(empty.json["count"], 0);
  EXPECT_EQ(empty.json["derived"], true);

  ASSERT_EQ(post("/api/v1/operations/kill-switch", operator_,
                 nlohmann::json{{"reason", "alert test kill"}, {"close_positions", false}})
                .status,
            200);
  t::exec_sql(db.pool(),
              "INSERT INTO system.dead_letter_queue (id, event_id, handler, channel, error, "
              "attempts, status, resolved_by, resolution) VALUES (3, 'new_features:a', 'L5', "
              "'new_features', 'boom', 3, 'exhausted', NULL, NULL), (4, 'new_features:b', 'L5', "
              "'new_features', 'bad', 3, 'resolved', 'adam', 'skipped')");
  t::exec_sql(db.pool(),
              "INSERT INTO monitor.drift_history (computed_at, model_id, norm_stats_hash, "
              "feature, psi, threshold, drifted, window_from, window_to, window_bars) SELECT "
              "'2026-01-06T16:00:00Z', 'm', 'h', f, p, 0.2, p > 0.2, '2026-01-05T13:00:00Z', "
              "'2026-01-06T15:55:00Z', 300 FROM (VALUES ('rsi_9', 0.35), ('atr_pct', 0.01)) "
              "v(f, p)");

  const auto active = get("/api/v1/alerts?state=active", viewer);
  ASSERT_EQ(active.status, 200) << active.body;
  EXPECT_EQ(active.json["count"], 3);
  EXPECT_EQ(find_alert(active.json, "mode:killed")["name"], "KillSwitchActive");
  EXPECT_EQ(find_alert(active.json, "mode:killed")["severity"], "critical");
  EXPECT_EQ(find_alert(active.json, "dead_letter:3")["labels"]["status"], "exhausted");
  EXPECT_EQ(find_alert(active.json, "drift:rsi_9")["value"], 0.35);
  EXPECT_EQ(find_alert(active.json, "drift:atr_pct"), nullptr);
  const auto resolved = get("/api/v1/alerts?state=resolved", viewer);
  ASSERT_EQ(resolved.json["count"], 1);
  EXPECT_EQ(resolved.json["alerts"][0]["id"], "dead_letter:4");
  EXPECT_NE(resolved.json["alerts"][0]["resolved_at"], nullptr);
  EXPECT_EQ(get("/api/v1/alerts?limit=1", viewer).json["count"], 1);

  EXPECT_EQ(get("/api/v1/alerts?state=open", viewer).json["error"]["field"], "state");
  EXPECT_EQ(get("/api/v1/alerts?limit=0", viewer).json["error"]["field"], "limit");
  EXPECT_EQ(get("/api/v1/alerts", "").status, 401);
}

TEST_F(AlertsViewApi, KillsAndMonitorPausesAreIncidentsUntilResumed) {
  EXPECT_EQ(get("/api/v1/incidents", viewer).json["count"], 0);
  store::PgOperationsControl ops(db.pool());
  ops.pause("no decision for 10 minutes", store::Actor{"auto-monitor", "system", "mon-1"});
  ASSERT_EQ(post("/api/v1/operations/kill-switch", operator_,
                 nlohmann::json{{"reason", "escalated to a kill"}})
                .status,
            200);
  const auto open = get("/api/v1/incidents", viewer);
  ASSERT_EQ(open.status, 200) << open.body;
  ASSERT_EQ(open.json["count"], 2);
  EXPECT_EQ(open.json["incidents"][0]["severity"], "P0");
  EXPECT_EQ(open.json["incidents"][0]["status"], "investigating");
  EXPECT_EQ(open.json["incidents"][0]["opened_by"], "olga");
  EXPECT_EQ(open.json["incidents"][1]["severity"], "P1");
  EXPECT_EQ(open.json["incidents"][1]["opened_by"], "auto-monitor");
  // The monitor's pause has the kill that followed it in its timeline.
  EXPECT_EQ(open.json["incidents"][1]["timeline"].size(), 2u);

  ASSERT_EQ(
      post("/api/v1/operations/resume?confirmation_code=CONFIRM_RESUME", operator_, "").status,
      200);
  const auto closed = get("/api/v1/incidents", viewer);
  ASSERT_EQ(closed.json["count"], 2);
  for (const auto& i : closed.json["incidents"]) {
    EXPECT_EQ(i["status"], "resolved");
    EXPECT_NE(i["resolved_at"], nullptr);
    EXPECT_EQ(i["timeline"].back()["action"], "operations.resume");
  }
  EXPECT_EQ(get("/api/v1/incidents?limit=1", viewer).json["count"], 1);
  EXPECT_EQ(get("/api/v1/incidents?from=2020-01-01&to=2020-01-02", viewer).json["count"], 0);
  EXPECT_EQ(get("/api/v1/incidents?limit=5000", viewer).json["error"]["field"], "limit");
  EXPECT_EQ(get("/api/v1/incidents?severity=P0", viewer).json["error"]["field"], "severity");
  // An operator's own pause is no incident.
  ASSERT_EQ(
      post("/api/v1/operations/pause", operator_, nlohmann::json{{"reason", "lunch break"}}).status,
      200);
  EXPECT_EQ(get("/api/v1/incidents", viewer).json["count"], 2);
}
