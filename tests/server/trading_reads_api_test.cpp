// The paper account and the engine seen from the API (spec 07, 12): signals, positions, trades,
// daily PnL, engine status and the dead-letter queue, with their 400/401/403/404 paths. Rows
// are seeded as the live engine writes them (migration 0018's tables).
#include <pqxx/pqxx>

#include "api_fixture.hpp"
#include "model_fixtures.hpp"

using usdcop::testing::ApiTest;
namespace t = usdcop::testing;

namespace {

class TradingReadsApi : public ApiTest {
 protected:
  t::TempDir tmp;
  void seed_account() {
    t::register_model(db.pool(), tmp.path(), "ppo_reads", {.seed = 5});
    auto& pool = db.pool();
    // Two COT days: 2026-01-14 (two bars) and 2026-01-15 (two bars); a long then a flat.
    t::exec_sql(pool,
                "INSERT INTO trading.model_inferences (time, model_id, role, action, signal, "
                "latency_us, account, mode, position_before, position_after) VALUES "
                "('2026-01-14T14:00:00Z', 'ppo_reads', 'production', 0.7, 1, 850, 'paper', "
                "'NORMAL', 0, 1), ('2026-01-15T14:00:00Z', 'ppo_reads', 'production', -0.05, 0, "
                "900, 'paper', 'NORMAL', 1, 0), ('2026-01-15T14:05:00Z', 'ppo_reads', 'shadow', "
                "-0.8, -1, 700, 'paper', 'NORMAL', 0, -1)");
    t::exec_sql(pool,
                "INSERT INTO trading.orders (id, account, model_id, bar_time, source, side, "
                "quantity, target_units, reason) VALUES (1, 'paper', 'ppo_reads', "
                "'2026-01-14T14:00:00Z', 'engine', 'buy', 10, 1, 'signal'), (2, 'paper', "
                "'ppo_reads', '2026-01-15T14:00:00Z', 'engine', 'sell', -10, 0, 'signal')");
    t::exec_sql(pool,
                "INSERT INTO trading.fills (order_id, account, time, quantity, price, cost, "
                "position_after, reason) VALUES (1, 'paper', '2026-01-14T14:00:00Z', 10, 4000, "
                "2, 1, 'signal'), (2, 'paper', '2026-01-15T14:00:00Z', -10, 4010, 2, 0, "
                "'signal')");
    t::exec_sql(pool,
                "INSERT INTO trading.positions (account, quantity, units, avg_price, cash, "
                "realized_pnl, costs, cost_bps, last_price, last_bar, model_id) VALUES ('paper', "
                "0, 0, 0, 10096, 100, 4, 1, 4010, '2026-01-15T14:05:00Z', 'ppo_reads')");
    t::exec_sql(pool,
                "INSERT INTO trading.equity_snapshots (account, time, model_id, close, mode, "
                "decided, units, quantity, cash, equity, realized_pnl, unrealized_pnl, costs) "
                "VALUES ('paper', '2026-01-14T14:00:00Z', 'ppo_reads', 4000, 'NORMAL', true, 1, "
                "10, -30002, 9998, 0, 0, 2), ('paper', '2026-01-14T14:05:00Z', 'ppo_reads', 4005, "
                "'NORMAL', true, 1, 10, -30002, 10048, 0, 50, 2), ('paper', "
                "'2026-01-15T14:00:00Z', 'ppo_reads', 4010, 'NORMAL', true, 0, 0, 10096, 10096, "
                "100, 0, 4), ('paper', '2026-01-15T14:05:00Z', 'ppo_reads', 4011, 'NORMAL', "
                "true, 0, 0, 10096, 10096, 100, 0, 4)");
  }
};

}  // namespace

TEST_F(TradingReadsApi, SignalsNewestFirstWithFilters) {
  seed_account();
  const auto all = get("/api/v1/signals", viewer);
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(all.json["count"], 3);
  EXPECT_EQ(all.json["signals"][0]["time"], "2026-01-15T14:05:00Z");
  EXPECT_EQ(all.json["signals"][0]["signal"], "SHORT");
  EXPECT_EQ(all.json["signals"][1]["signal"], "HOLD");
  EXPECT_DOUBLE_EQ(all.json["signals"][2]["latency_ms"].get<double>(), 0.85);
  EXPECT_EQ(all.json["signals"][2]["position_after"], 1.0);
  EXPECT_EQ(get("/api/v1/signals?role=production", viewer).json["count"], 2);
  EXPECT_EQ(get("/api/v1/signals?from=2026-01-15&to=2026-01-15", viewer).json["count"], 2);
  EXPECT_EQ(get("/api/v1/signals?limit=1", viewer).json["count"], 1);
  EXPECT_EQ(get("/api/v1/signals?model_id=ppo_other", viewer).json["count"], 0);

  const auto bad_role = get("/api/v1/signals?role=leader", viewer);
  EXPECT_EQ(bad_role.status, 400);
  EXPECT_EQ(bad_role.json["error"]["field"], "role");
  for (const char* q : {"limit=0", "limit=10001", "limit=ten"}) {
    const auto r = get(std::string("/api/v1/signals?") + q, viewer);
    EXPECT_EQ(r.status, 400) << q;
    EXPECT_EQ(r.json["error"]["field"], "limit") << q;
  }
  EXPECT_EQ(get("/api/v1/signals?from=yesterday", viewer).json["error"]["field"], "from");
  EXPECT_EQ(get("/api/v1/signals?from=2026-01-15&to=2026-01-14", viewer).status, 400);
  EXPECT_EQ(get("/api/v1/signals?colour=red", viewer).json["error"]["field"], "colour");
  EXPECT_EQ(get("/api/v1/signals", "").status, 401);
  EXPECT_EQ(get("/api/v1/signals", "usdcop_not_a_real_token").status, 401);
}

TEST_F(TradingReadsApi, PositionsAndTrades) {
  EXPECT_EQ(get("/api/v1/positions", viewer).json["count"], 0);
  seed_account();
  const auto p = get("/api/v1/positions", viewer);
  ASSERT_EQ(p.status, 200) << p.body;
  ASSERT_EQ(p.json["count"], 1);
  EXPECT_EQ(p.json["positions"][0]["account"], "paper");
  EXPECT_EQ(p.json["positions"][0]["realized_pnl"], 100.0);
  EXPECT_EQ(p.json["positions"][0]["opened_at"], nullptr);
  EXPECT_EQ(get("/api/v1/positions?account=other", viewer).json["count"], 0);
  EXPECT_EQ(get("/api/v1/positions?acount=paper", viewer).status, 400);

  const auto tr = get("/api/v1/trades?model_id=ppo_reads", viewer);
  ASSERT_EQ(tr.status, 200) << tr.body;
  ASSERT_EQ(tr.json["count"], 2);
  EXPECT_EQ(tr.json["trades"][0]["side"], "sell");
  EXPECT_EQ(tr.json["trades"][0]["price"], 4010.0);
  EXPECT_EQ(tr.json["trades"][1]["source"], "engine");
  EXPECT_EQ(get("/api/v1/trades?from=2026-01-15T14:00:01Z", viewer).json["count"], 0);
  EXPECT_EQ(get("/api/v1/trades?limit=-3", viewer).json["error"]["field"], "limit");
  const auto long_id = get("/api/v1/trades?model_id=" + std::string(300, 'x'), viewer);
  EXPECT_EQ(long_id.status, 400);
  EXPECT_EQ(long_id.json["error"]["field"], "model_id");
}

TEST_F(TradingReadsApi, DailyPnlByCotDay) {
  seed_account();
  const auto r = get("/api/v1/pnl/daily?from=2026-01-14&to=2026-01-15", viewer);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json["count"], 2);
  const auto& d1 = r.json["days"][0];
  EXPECT_EQ(d1["date"], "2026-01-14");
  EXPECT_EQ(d1["bars"], 2);
  EXPECT_DOUBLE_EQ(d1["start_equity"].get<double>(), 9998.0);  // first day: its first bar
  EXPECT_DOUBLE_EQ(d1["pnl"].get<double>(), 50.0);
  const auto& d2 = r.json["days"][1];
  EXPECT_DOUBLE_EQ(d2["start_equity"].get<double>(), 10048.0);  // the day before's close
  EXPECT_DOUBLE_EQ(d2["pnl"].get<double>(), 48.0);
  EXPECT_DOUBLE_EQ(d2["realized_pnl"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(d2["costs"].get<double>(), 2.0);
  // Only the 15th asked: its start is still the 14th's close.
  const auto one = get("/api/v1/pnl/daily?from=2026-01-15&to=2026-01-15", viewer);
  ASSERT_EQ(one.json["count"], 1);
  EXPECT_DOUBLE_EQ(one.json["days"][0]["start_equity"].get<double>(), 10048.0);

  EXPECT_EQ(get("/api/v1/pnl/daily?from=2026-13-01", viewer).json["error"]["field"], "from");
  EXPECT_EQ(get("/api/v1/pnl/daily?from=2026-01-15&to=2026-01-14", viewer).json["error"]["field"],
            "to");
  EXPECT_EQ(get("/api/v1/pnl/daily?from=2020-01-01&to=2026-01-14", viewer).json["error"]["field"],
            "from");
}

TEST_F(TradingReadsApi, EngineStatusBeforeAnyEngine) {
  const auto s = get("/api/v1/engine/status", viewer);
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_EQ(s.json["leader"]["epoch"], 0);
  EXPECT_EQ(s.json["leader"]["alive"], false);
  EXPECT_EQ(s.json["last_progress_at"], nullptr);
  EXPECT_EQ(s.json["mode"], "normal");
  EXPECT_EQ(get("/api/v1/engine/status?verbose=1", viewer).status, 400);
}

TEST_F(TradingReadsApi, EngineStatusSeesTheLeaderLockAndProgress) {
  t::exec_sql(db.pool(),
              "UPDATE system.watermarks SET epoch = 3, holder = 'host:42', updated_at = now() - "
              "interval '90 seconds' WHERE name = 'leader'; INSERT INTO system.watermarks (name, "
              "value, epoch, updated_at) VALUES ('L5', '2026-01-15T14:05:00Z', 3, now() - "
              "interval '20 seconds')");
  // Hold the engine's leader lock on a session of our own, as `usdcop engine` does.
  auto lease = db.pool().acquire();
  {
    pqxx::nontransaction tx(*lease);
    ASSERT_TRUE(
        tx.exec1("SELECT pg_try_advisory_lock(hashtextextended('usdcop.live.leader', 0))")[0]
            .as<bool>());
  }
  const auto s = get("/api/v1/engine/status", viewer);
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_EQ(s.json["leader"]["epoch"], 3);
  EXPECT_EQ(s.json["leader"]["holder"], "host:42");
  EXPECT_EQ(s.json["leader"]["alive"], true);
  EXPECT_EQ(s.json["watermarks"]["L5"]["value"], "2026-01-15T14:05:00Z");
  const double age = s.json["progress_age_seconds"];
  EXPECT_GE(age, 19.0);
  EXPECT_LT(age, 90.0);  // the newest write (L5), not the leader claim
  {
    pqxx::nontransaction tx(*lease);
    tx.exec("SELECT pg_advisory_unlock_all()");
  }
  EXPECT_EQ(get("/api/v1/engine/status", viewer).json["leader"]["alive"], false);
}

TEST_F(TradingReadsApi, DeadLettersListRetryResolveAsAdmin) {
  t::exec_sql(db.pool(),
              "INSERT INTO system.dead_letter_queue (id, event_id, handler, channel, error, "
              "attempts, retries, next_retry_at, status) VALUES (7, "
              "'new_features:2026-01-15T14:00:00Z', 'L5', 'new_features', 'boom', 3, 3, NULL, "
              "'exhausted'), (8, 'new_ohlcv_bar:2026-01-15T14:05:00Z', 'L1', 'new_ohlcv_bar', "
              "'bad', 3, 0, now() + interval '60 seconds', 'pending')");
  const auto list = get("/api/v1/dlq", viewer);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json["count"], 2);
  EXPECT_EQ(get("/api/v1/dlq?status=exhausted", viewer).json["count"], 1);
  EXPECT_EQ(get("/api/v1/dlq?status=lost", viewer).json["error"]["field"], "status");
  EXPECT_EQ(get("/api/v1/engine/status", viewer).json["dead_letters"]["exhausted"], 1);

  EXPECT_EQ(post("/api/v1/dlq/7/retry", "", "{}").status, 401);
  EXPECT_EQ(post("/api/v1/dlq/7/retry", viewer, "{}").status, 403);
  EXPECT_EQ(post("/api/v1/dlq/7/retry", operator_, "{}").status, 403);
  const auto bad_id = post("/api/v1/dlq/seven/retry", admin, "{}");
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_EQ(bad_id.json["error"]["field"], "id");
  EXPECT_EQ(post("/api/v1/dlq/99/retry", admin, "{}").status, 404);
  EXPECT_EQ(post("/api/v1/dlq/7/retry", admin, R"({"force":true})").json["error"]["field"],
            "force");
  const auto retried =
      post("/api/v1/dlq/7/retry", admin, std::string("{}"), {{"X-Request-Id", "dlq-r-1"}});
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(retried.json["dead_letter"]["status"], "pending");
  EXPECT_EQ(count("SELECT count(*) FROM system.audit_log WHERE request_id = 'dlq-r-1' AND "
                  "actor = 'adam' AND role = 'admin'"),
            1);

  EXPECT_EQ(post("/api/v1/dlq/8/resolve", admin, "{}").json["error"]["field"], "reason");
  EXPECT_EQ(post("/api/v1/dlq/8/resolve", operator_, R"({"reason":"fixed by hand"})").status, 403);
  const auto resolved = post("/api/v1/dlq/8/resolve", admin, R"({"reason":"fixed by hand"})");
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_EQ(resolved.json["dead_letter"]["status"], "resolved");
  const auto again = post("/api/v1/dlq/8/resolve", admin, R"({"reason":"fixed by hand"})");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(get("/api/v1/dlq", viewer).json["count"], 1);
}
