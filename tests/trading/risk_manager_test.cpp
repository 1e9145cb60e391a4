#include <gtest/gtest.h>

#include <chrono>

#include "trading/risk_manager.hpp"

using namespace usdcop;
using trading::OperationsMode;

namespace {

// 2024-01-03 (Wednesday) 08:00 COT + n bars.
Timestamp bar(int n, int day = 0) {
  return parse_timestamp_or_throw("2024-01-03T13:00:00Z", "t") + std::chrono::minutes(5 * n) +
         std::chrono::hours(24 * day);
}

struct Fixture {
  explicit Fixture(trading::RiskProfile p = {}) : risk(p, mode) {}
  trading::FixedOperationsMode mode;
  trading::RiskManager risk;
};

trading::Trade trade_with(double net) {
  trading::Trade t;
  t.net_pnl = net;
  return t;
}

}  // namespace

TEST(RiskManager, NormalModePassesTheTargetThrough) {
  Fixture f;
  auto d = f.risk.review(bar(0), 10000, 0, 1);
  EXPECT_EQ(d.position, 1);
  EXPECT_FALSE(d.vetoed);
  EXPECT_TRUE(f.risk.take_events().empty());
}

TEST(RiskManager, DailyLossPausesEntriesUntilTheNextSession) {
  Fixture f;
  f.risk.review(bar(0), 10000, 0, 0);
  auto d = f.risk.review(bar(1), 9400, 0, 1);  // -6 % of start-of-day equity
  EXPECT_EQ(d.position, 0);
  EXPECT_TRUE(f.risk.daily_paused());
  auto ev = f.risk.take_events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].rule, "daily_loss");
  EXPECT_EQ(ev[0].action, "pause");
  EXPECT_NEAR(ev[0].details["day_return"].get<double>(), -0.06, 1e-12);
  EXPECT_DOUBLE_EQ(ev[0].details["limit"].get<double>(), -0.05);
  EXPECT_EQ(ev[1].action, "refuse_entry");
  // Exits stay allowed while paused.
  EXPECT_EQ(f.risk.review(bar(2), 9400, -1, 0).position, 0);
  // A reversal keeps only its exit half.
  EXPECT_EQ(f.risk.review(bar(3), 9400, -1, 1).position, 0);
  f.risk.on_bar_close(bar(59), 9400);  // the session's last bar closes at 9400
  // Next session: trading again (start of day = the previous session's last close).
  auto next = f.risk.review(bar(0, 1), 9400, 0, 1);
  EXPECT_EQ(next.position, 1);
  EXPECT_FALSE(f.risk.daily_paused());
}

TEST(RiskManager, MaxTradesPerDayRefusesNewEntries) {
  trading::RiskProfile p;
  p.max_trades_per_day = 2;
  Fixture f(p);
  EXPECT_EQ(f.risk.review(bar(0), 10000, 0, 1).position, 1);
  EXPECT_EQ(f.risk.review(bar(1), 10000, 1, -1).position, -1);  // reversal = 2nd entry
  EXPECT_EQ(f.risk.review(bar(2), 10000, -1, 0).position, 0);   // exit allowed
  f.risk.take_events();
  auto d = f.risk.review(bar(3), 10000, 0, 1);
  EXPECT_EQ(d.position, 0);
  auto ev = f.risk.take_events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].rule, "max_trades_per_day");
  EXPECT_EQ(ev[0].details["trades_today"], 2);
  EXPECT_EQ(ev[0].details["limit"], 2);
  EXPECT_EQ(f.risk.review(bar(0, 1), 10000, 0, 1).position, 1);  // new day resets the count
}

TEST(RiskManager, LossStreakStartsACooldown) {
  trading::RiskProfile p;
  p.max_consecutive_losses = 2;
  p.cooldown_bars = 3;
  Fixture f(p);
  f.risk.review(bar(0), 10000, 0, 0);
  f.risk.on_trade_closed(trade_with(-5), bar(0));
  f.risk.on_trade_closed(trade_with(-5), bar(0));
  auto ev = f.risk.take_events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].rule, "loss_streak");
  EXPECT_EQ(ev[0].details["consecutive_losses"], 2);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(f.risk.review(bar(i), 10000, 0, 1).position, 0) << i;
    auto e = f.risk.take_events();
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].rule, "loss_streak_cooldown");
  }
  EXPECT_EQ(f.risk.review(bar(4), 10000, 0, 1).position, 1);
  // A winner resets the streak.
  f.risk.on_trade_closed(trade_with(-1), bar(4));
  f.risk.on_trade_closed(trade_with(2), bar(4));
  f.risk.on_trade_closed(trade_with(-1), bar(4));
  EXPECT_EQ(f.risk.cooldown_remaining(), 0);
}

TEST(RiskManager, DrawdownKillClosesAndStopsTrading) {
  Fixture f;
  f.risk.review(bar(0), 10000, 0, 1);
  f.risk.review(bar(1), 11000, 1, 1);
  auto d = f.risk.review(bar(2), 9300, 1, 1);  // 11000 -> 9300 = -15.45 %
  EXPECT_EQ(d.position, 0);
  EXPECT_TRUE(d.forced_exit);
  EXPECT_TRUE(f.risk.kill_switch_active());
  auto ev = f.risk.take_events();
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0].rule, "max_drawdown");
  EXPECT_EQ(ev[0].action, "close_positions");
  EXPECT_DOUBLE_EQ(ev[0].details["peak"].get<double>(), 11000);
  EXPECT_EQ(f.risk.review(bar(0, 1), 9300, 0, -1).position, 0);  // stays killed
}

TEST(RiskManager, PausedAllowsExitsOnly) {
  Fixture f;
  f.mode.set(OperationsMode::kPaused);
  EXPECT_EQ(f.risk.review(bar(0), 10000, 0, 1).position, 0);
  EXPECT_EQ(f.risk.review(bar(1), 10000, 1, 0).position, 0);   // exit
  EXPECT_EQ(f.risk.review(bar(2), 10000, 1, -1).position, 0);  // reversal -> exit only
  EXPECT_EQ(f.risk.review(bar(3), 10000, 1, 1).position, 1);   // holding is fine
  auto ev = f.risk.take_events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].rule, "mode_paused");
  EXPECT_EQ(ev[0].details["target"], 1);
}

TEST(RiskManager, KilledDoesNothing) {
  Fixture f;
  f.mode.set(OperationsMode::kKilled);
  EXPECT_EQ(f.risk.review(bar(0), 10000, 0, 1).position, 0);
  EXPECT_EQ(f.risk.review(bar(1), 10000, 1, 0).position, 1);  // not even an exit
  EXPECT_EQ(f.risk.review(bar(2), 10000, -1, 1).position, -1);
  auto ev = f.risk.take_events();
  ASSERT_EQ(ev.size(), 3u);
  for (const auto& e : ev) EXPECT_EQ(e.rule, "mode_killed");
}

TEST(RiskManager, OutsideMarketHoursIsRefused) {
  Fixture f;
  const Timestamp evening = parse_timestamp_or_throw("2024-01-03T18:00:00Z", "t");  // 13:00 COT
  auto d = f.risk.review(evening, 10000, 0, 1);
  EXPECT_EQ(d.position, 0);
  EXPECT_TRUE(d.vetoed);
  auto ev = f.risk.take_events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].rule, "market_hours");
  const Timestamp holiday = parse_timestamp_or_throw("2024-01-08T14:00:00Z", "t");  // Reyes Magos
  EXPECT_EQ(f.risk.review(holiday, 10000, 0, 1).position, 0);
  const Timestamp last_bar = parse_timestamp_or_throw("2024-01-03T17:55:00Z", "t");  // 12:55 COT
  EXPECT_EQ(f.risk.review(last_bar, 10000, 0, 1).position, 1);
}

TEST(RiskManager, MaxPositionClamps) {
  trading::RiskProfile p;
  p.max_position = 0.5;
  Fixture f(p);
  EXPECT_EQ(f.risk.review(bar(0), 10000, 0, -1).position, -0.5);
  auto ev = f.risk.take_events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].rule, "max_position");
}
