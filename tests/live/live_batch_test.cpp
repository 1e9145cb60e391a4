// The batch path of the live engine (docs/LIVE.md "Performance"): a catch-up that is behind
// runs L1 and L5 of up to 64 bars in one transaction each. A kill committed while a batch runs
// waits for it and no order commits after the kill; a handler failing inside a batch still
// reaches its retries and the dead-letter queue for that bar, in order.
#include <gtest/gtest.h>

#include <thread>

#include "live/engine.hpp"
#include "live_fixture.hpp"
#include "store/pg_live_store.hpp"
#include "store/pg_macro_store.hpp"
#include "store/pg_operations_control.hpp"
#include "support/background_command.hpp"
#include "trading/run_artifacts.hpp"

using namespace usdcop;
using namespace usdcop::live_testing;
using usdcop::testing::TestDatabase;

namespace {

constexpr const char* kHistoryFrom = "2025-01-02T00:00:00Z";
constexpr const char* kLiveFrom = "2025-02-03T00:00:00Z";

struct BatchRig {
  TestDatabase db;
  std::filesystem::path dir;
  store::PgLiveStore live{db.pool()};
  store::PgMacroStore macro{db.pool()};
  std::string model_id;

  explicit BatchRig(std::string id) : model_id(std::move(id)) {
    dir = prepare_database(db, kHistoryFrom, kLiveFrom, model_id, false);
  }
  std::unique_ptr<live::Engine> engine() {
    auto bundle = trading::load_policy_bundle(dir);
    live::TradingModel m;
    m.model_id = model_id;
    m.policy = std::shared_ptr<trading::Policy>(std::move(bundle.policy));
    m.norm_stats = bundle.norm_stats;
    live::EngineOptions o;
    o.holder = "batch-test";
    o.retry_delays = {std::chrono::milliseconds(10), std::chrono::milliseconds(20),
                      std::chrono::milliseconds(40)};
    return std::make_unique<live::Engine>(live, macro, market::MacroCatalog::load(), std::move(m),
                                          o);
  }
  // Real bars from kLiveFrom on, n of them, stored at once (the engine is behind by n bars).
  std::vector<market::Bar> store_bars(std::size_t n) {
    const Timestamp from = parse_timestamp_or_throw(kLiveFrom, "from");
    std::vector<market::Bar> out;
    for (const auto& b : test_fixture::real_market().bars) {
      if (b.time < from) continue;
      if (out.size() == n) break;
      out.push_back(b);
    }
    store::PgBarStore(db.pool()).write_bars(out, "test", false);
    return out;
  }
  // Runs `statement` as the owner (triggers on the engine's tables).
  void as_owner(const std::string& statement) {
    pqxx::connection owner(db.owner_url());
    pqxx::work tx(owner);
    tx.exec(statement);
    tx.commit();
  }
};

long waiting_locks(TestDatabase& db, const std::string& locktype) {
  return count(db,
               "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = '" + locktype + "'");
}

}  // namespace

TEST(LiveBatch, AKillCommittedWhileABatchRunsWaitsForItAndNoOrderCommitsAfterTheKill) {
  BatchRig rig("m_batch_kill");
  auto engine = rig.engine();
  engine->start();
  const auto bars = rig.store_bars(600);
  // The L5 batch holding bar 100 stops inside its transaction (after its mode read FOR SHARE)
  // until the test releases an advisory lock: the kill is committed exactly then.
  rig.as_owner(
      "CREATE FUNCTION trading.hold_one_bar() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF "
      "NEW.time = '" +
      format_rfc3339(bars[100].time) +
      "' THEN PERFORM pg_advisory_xact_lock(4242); END IF; RETURN NEW; END $$;"
      "CREATE TRIGGER hold_one_bar BEFORE INSERT ON trading.equity_snapshots FOR EACH ROW "
      "EXECUTE FUNCTION trading.hold_one_bar()");
  pqxx::connection gate(rig.db.url());
  pqxx::nontransaction(gate).exec("SELECT pg_advisory_lock(4242)");

  std::thread engine_thread([&] { engine->catch_up(); });
  ASSERT_TRUE(usdcop::testing::wait_until([&] { return waiting_locks(rig.db, "advisory") == 1; },
                                          std::chrono::minutes(2)));
  const long before_kill = count(rig.db, "SELECT count(*) FROM trading.equity_snapshots");
  store::PgOperationsControl ops(rig.db.pool());
  std::thread kill_thread([&] {
    ops.kill("test: kill during a batch", {"batch-test", "system", ""}, {}, false);
  });
  // The kill waits for the batch (its UPDATE of the mode row against the batch's FOR SHARE).
  ASSERT_TRUE(usdcop::testing::wait_until(
      [&] { return waiting_locks(rig.db, "transactionid") + waiting_locks(rig.db, "tuple") >= 1; },
      std::chrono::minutes(2)));
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.operations_state WHERE mode = 'KILLED'"),
            0);
  pqxx::nontransaction(gate).exec("SELECT pg_advisory_unlock(4242)");
  kill_thread.join();
  engine_thread.join();

  EXPECT_GT(engine->counters().batches, 1);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.equity_snapshots"), 600);
  // Earlier batches had committed, the held one not; it committed before the kill: it and
  // everything before it decided NORMAL.
  EXPECT_GT(before_kill, 0);
  EXPECT_LE(before_kill, 100);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM trading.equity_snapshots WHERE mode <> 'NORMAL' AND "
                  "time <= '" +
                      format_rfc3339(bars[100].time) + "'"),
            0);
  // After the kill every bar is decided KILLED (the next batch read the mode after it), and
  // no order follows the kill's own closing order.
  const std::string first_killed =
      "(SELECT min(time) FROM trading.equity_snapshots WHERE mode = 'KILLED')";
  EXPECT_GT(count(rig.db, "SELECT count(*) FROM trading.equity_snapshots WHERE mode = 'KILLED'"),
            0);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM trading.equity_snapshots WHERE mode <> 'KILLED' "
                  "AND time > " +
                      first_killed),
            0);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM trading.orders WHERE source = 'engine' AND "
                  "bar_time >= " +
                      first_killed),
            0);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM trading.orders o WHERE source = 'engine' AND id > "
                  "(SELECT coalesce(max(id), 0) FROM trading.orders WHERE source = 'kill_switch')"
                  " AND EXISTS (SELECT 1 FROM trading.orders WHERE source = 'kill_switch')"),
            0);
  // The account the engine rebuilds after a restart is the stored one (the kill's fill too).
  auto restarted = rig.engine();
  restarted->start();
  EXPECT_TRUE(restarted->last_reconciliation().consistent);
}

TEST(LiveBatch, AHandlerFailingInsideABatchGoesToTheDeadLetterQueueForThatBarInOrder) {
  BatchRig rig("m_batch_dlq");
  auto engine = rig.engine();
  engine->start();
  const auto bars = rig.store_bars(6);
  // A real fault in L5 for bar 3: its equity snapshot is refused.
  rig.as_owner(
      "CREATE FUNCTION trading.refuse_one_bar() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF "
      "NEW.time = '" +
      format_rfc3339(bars[3].time) +
      "' THEN RAISE EXCEPTION 'disk says no'; END IF; RETURN NEW; END $$;"
      "CREATE TRIGGER refuse_one_bar BEFORE INSERT ON trading.equity_snapshots FOR EACH ROW "
      "EXECUTE FUNCTION trading.refuse_one_bar()");
  EXPECT_EQ(engine->catch_up(), 6);  // L1 of the six bars, one batch
  // The L5 batch failed as a whole, then ran one bar at a time: bars 0-2 decided, bar 3 tried
  // three times and dead-lettered, bars 4 and 5 wait.
  EXPECT_EQ(engine->counters().batch_fallbacks, 1);
  EXPECT_EQ(engine->counters().failures, 3);
  ASSERT_TRUE(engine->blocked_by());
  EXPECT_EQ(engine->l1_watermark(), bars[5].time);
  EXPECT_EQ(engine->l5_watermark(), bars[2].time);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.equity_snapshots"), 3);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM system.dead_letter_queue WHERE status = 'pending' AND "
                  "handler = 'L5' AND attempts = 3 AND event_id = '" +
                      live::decision_event_id(bars[3].time) + "'"),
            1);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.operations_state WHERE mode = 'PAUSED'"),
            1);
  EXPECT_EQ(engine->catch_up(), 0);  // the retry is 60 s away: later bars wait

  // The fix and a retry made due now: bar 3 and then 4 and 5, in order.
  rig.as_owner("DROP TRIGGER refuse_one_bar ON trading.equity_snapshots");
  const long id = *engine->blocked_by();
  sql(rig.db,
      "UPDATE system.dead_letter_queue SET next_retry_at = now() WHERE id = " + std::to_string(id));
  engine->catch_up();
  EXPECT_FALSE(engine->blocked_by());
  EXPECT_EQ(engine->l5_watermark(), bars[5].time);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.equity_snapshots"), 6);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM system.processed_events WHERE handler = 'L5'"), 6);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM system.dead_letter_queue WHERE id = " +
                              std::to_string(id) + " AND status = 'resolved'"),
            1);
}
