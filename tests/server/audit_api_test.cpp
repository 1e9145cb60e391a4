// GET /audit (JSON and CSV, filters) and GET /risk-events.
#include <pqxx/pqxx>

#include "api_fixture.hpp"

using usdcop::testing::ApiTest;

namespace {
class AuditApi : public ApiTest {};
}  // namespace

TEST_F(AuditApi, FiltersAndCsv) {
  ASSERT_EQ(
      post("/api/v1/operations/pause", operator_, nlohmann::json{{"reason", "=cmd|' /C calc'!A0"}})
          .status,
      200);
  ASSERT_EQ(post("/api/v1/operations/resume", admin, nlohmann::json::object()).status, 200);
  const auto all = get("/api/v1/audit", viewer);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_GE(all.json["count"].get<long>(), 2);
  const auto olga = get("/api/v1/audit?actor=olga", viewer);
  ASSERT_EQ(olga.json["count"], 1);
  EXPECT_EQ(olga.json["entries"][0]["action"], "operations.pause");
  EXPECT_EQ(get("/api/v1/audit?action=operations.resume", viewer).json["entries"][0]["actor"],
            "adam");
  const auto csv = get("/api/v1/audit?format=csv&actor=olga", viewer);
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.header("Content-Type").find("text/csv"), std::string::npos);
  EXPECT_EQ(csv.body.rfind("id,at,actor,role,action", 0), 0u);
  EXPECT_NE(csv.body.find("'=cmd"), std::string::npos) << "formula cells are defused: " << csv.body;
  EXPECT_EQ(get("/api/v1/audit?format=xml", viewer).json["error"]["field"], "format");
  EXPECT_EQ(get("/api/v1/audit?from=2026-02-30", viewer).json["error"]["field"], "from");
}

TEST_F(AuditApi, RiskEvents) {
  {
    pqxx::connection conn(db.owner_url());
    pqxx::work tx(conn);
    tx.exec(
        "INSERT INTO trading.risk_events (time, model_id, rule, action, details, source) VALUES "
        "('2026-01-15T14:00:00Z', 'ppo_x', 'daily_loss', 'pause', '{\"loss\": -0.051}', 'live'), "
        "('2026-01-15T15:00:00Z', 'ppo_x', 'market_hours', 'refuse', '{}', 'backtest')");
    tx.commit();
  }
  const auto all = get("/api/v1/risk-events", viewer);
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(all.json["count"], 2);
  EXPECT_EQ(all.json["risk_events"][0]["rule"], "market_hours");  // newest first
  const auto live = get("/api/v1/risk-events?source=live", viewer);
  ASSERT_EQ(live.json["count"], 1);
  EXPECT_EQ(live.json["risk_events"][0]["details"]["loss"], -0.051);
  EXPECT_EQ(
      get("/api/v1/risk-events?rule=daily_loss&from=2026-01-15T14:30:00Z", viewer).json["count"],
      0);
  EXPECT_EQ(get("/api/v1/risk-events?source=paper", viewer).json["error"]["field"], "source");
}
