// The price collar in the live engine (spec 12): bars flagged jump or holiday at import get no
// new entry (risk event flagged_bar); a restart rebuilds the same account through the same
// collar. The backtest applies the same collar (trading::TradingSession), and the replay
// parity test (live_replay_test.cpp) still holds.
#include <gtest/gtest.h>

#include "live/engine.hpp"
#include "live_fixture.hpp"
#include "store/pg_live_store.hpp"
#include "store/pg_macro_store.hpp"
#include "trading/run_artifacts.hpp"

using namespace usdcop;
using namespace usdcop::live_testing;
using usdcop::testing::TestDatabase;

namespace {

constexpr const char* kHistoryFrom = "2025-01-02T00:00:00Z";
constexpr const char* kLiveFrom = "2025-02-03T00:00:00Z";

std::unique_ptr<live::Engine> engine_for(store::PgLiveStore& live, store::PgMacroStore& macro,
                                         const std::filesystem::path& dir,
                                         const std::string& holder) {
  auto bundle = trading::load_policy_bundle(dir);
  live::TradingModel m;
  m.model_id = "m_collar";
  m.policy = std::shared_ptr<trading::Policy>(std::move(bundle.policy));
  m.norm_stats = bundle.norm_stats;
  live::EngineOptions o;
  o.holder = holder;
  return std::make_unique<live::Engine>(live, macro, market::MacroCatalog::load(), std::move(m), o);
}

}  // namespace

TEST(LivePriceCollar, FlaggedBarsGetNoEntryAndTheRestartRebuildsThroughTheSameCollar) {
  TestDatabase db;
  const auto dir = prepare_database(db, kHistoryFrom, kLiveFrom, "m_collar", false);
  store::PgLiveStore live(db.pool());
  store::PgMacroStore macro(db.pool());
  const Timestamp from = parse_timestamp_or_throw(kLiveFrom, "from");
  std::vector<market::Bar> bars;
  for (const auto& b : test_fixture::real_market().bars)
    if (!(b.time < from) && bars.size() < 1000) bars.push_back(b);
  ASSERT_EQ(bars.size(), 1000u);
  const std::string cut = format_rfc3339(bars[200].time);
  {
    auto engine = engine_for(live, macro, dir, "a");
    engine->start();
    store::PgBarStore(db.pool()).write_bars(bars, "test", false);
    // The first 200 bars flagged as an import flags a holiday (and one a jump as well).
    sql(db,
        "INSERT INTO market.bar_flags (time, rule, value, detail) SELECT time, 'holiday', 0, "
        "'test holiday' FROM market.usdcop_m5_ohlcv WHERE time >= '" +
            format_rfc3339(from) + "' AND time < '" + cut + "'");
    sql(db, "INSERT INTO market.bar_flags (time, rule, value, detail) VALUES ('" +
                format_rfc3339(bars[5].time) + "', 'jump', 0.06, 'test jump')");
    EXPECT_EQ(engine->catch_up(), 1000);
  }
  // No order and no position on the flagged bars; the model wanted in: flagged_bar refusals.
  EXPECT_EQ(count(db, "SELECT count(*) FROM trading.orders WHERE bar_time < '" + cut + "'"), 0);
  EXPECT_EQ(
      count(db, "SELECT count(*) FROM trading.equity_snapshots WHERE units <> 0 AND time < '" +
                    cut + "'"),
      0);
  EXPECT_GT(count(db,
                  "SELECT count(*) FROM trading.risk_events WHERE rule = 'flagged_bar' AND "
                  "details->>'flags' = 'holiday' AND time < '" +
                      cut + "'"),
            0);
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM trading.risk_events WHERE rule = 'flagged_bar' AND "
                  "time >= '" +
                      cut + "'"),
            0);
  EXPECT_GT(count(db, "SELECT count(*) FROM trading.orders WHERE bar_time >= '" + cut + "'"), 0);

  // A restart replays the stored decisions through the same collar: the same fills.
  auto restarted = engine_for(live, macro, dir, "b");
  restarted->start();
  EXPECT_TRUE(restarted->last_reconciliation().consistent)
      << (restarted->last_reconciliation().differences.empty()
              ? ""
              : restarted->last_reconciliation().differences[0]);
  EXPECT_FALSE(restarted->decisions().entries_held());
}
