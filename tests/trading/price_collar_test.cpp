// The price collar (spec 12): no new entry on a bar flagged jump or holiday; exits allowed;
// the refusal is the risk event flagged_bar. Inside TradingSession, so backtest and live alike.
#include "trading/price_collar.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "trading/trading_session.hpp"

using namespace usdcop;

namespace {
// 2024-01-03 (Wednesday, not a holiday) 08:00 COT + n bars: session bars.
Timestamp bar_time(int n) {
  return parse_timestamp_or_throw("2024-01-03T13:00:00Z", "t") + std::chrono::minutes(5 * n);
}
market::Bar bar(int n, double close = 4000) {
  return {bar_time(n), close, close, close, close, 0};
}
}  // namespace

TEST(PriceCollar, RefusesEntriesIncreasesAndReversalsButAllowsExits) {
  EXPECT_EQ(trading::collared_target(0, 1), 0);  // entry from flat
  EXPECT_EQ(trading::collared_target(0, -1), 0);
  EXPECT_EQ(trading::collared_target(0.5, 1), 0.5);  // no increase
  EXPECT_EQ(trading::collared_target(1, 0.5), 0.5);  // a reduction is allowed
  EXPECT_EQ(trading::collared_target(1, 0), 0);      // exit
  EXPECT_EQ(trading::collared_target(1, -1), 0);     // reversal: out, but not in
  EXPECT_EQ(trading::collared_target(-1, -1), -1);   // hold
}

TEST(PriceCollar, OnlyJumpAndHolidayFlagsCollar) {
  trading::FlaggedBars flagged;
  trading::add_collar_flags(flagged, {{bar_time(1), "jump", 0.07, ""},
                                      {bar_time(1), "holiday", 0, ""},
                                      {bar_time(1), "jump", 0.07, "again"},
                                      {bar_time(2), "stale", 0, ""}});
  ASSERT_EQ(flagged.size(), 1u);
  EXPECT_EQ(flagged.at(bar_time(1)), "jump,holiday");
  const auto d = trading::apply_price_collar(&flagged, bar_time(1), 0, 1);
  EXPECT_EQ(d.target, 0);
  ASSERT_TRUE(d.event);
  EXPECT_EQ(d.event->rule, "flagged_bar");
  EXPECT_EQ(d.event->action, "refuse_entry");
  EXPECT_EQ(d.event->details["flags"], "jump,holiday");
  EXPECT_FALSE(trading::apply_price_collar(&flagged, bar_time(2), 0, 1).event);
  EXPECT_FALSE(trading::apply_price_collar(nullptr, bar_time(1), 0, 1).event);
  EXPECT_FALSE(trading::apply_price_collar(&flagged, bar_time(1), 1, 0).event);  // an exit
}

TEST(PriceCollar, TheTradingSessionEntersNotOnAFlaggedBarAndExitsOnOne) {
  trading::BuyAndHoldPolicy policy;
  features::NormStats stats;
  trading::TradingConfig config;
  trading::RiskProfile risk;
  trading::FixedOperationsMode mode;
  trading::PaperBroker broker(config.initial_capital, config.cost_bps);
  trading::TradingSession session(policy, stats, config, risk, mode, broker);
  trading::FlaggedBars flagged{{bar_time(0), "holiday"}, {bar_time(2), "jump"}};
  session.use_price_collar(&flagged);

  auto out = session.on_target(bar(0), 1.0);  // flagged: the entry is refused
  EXPECT_FALSE(out.fill);
  EXPECT_EQ(out.position_after, 0);
  ASSERT_FALSE(out.risk_events.empty());
  EXPECT_EQ(out.risk_events.front().rule, "flagged_bar");
  out = session.on_target(bar(1), 1.0);  // not flagged: enters
  ASSERT_TRUE(out.fill);
  EXPECT_EQ(out.position_after, 1);
  out = session.on_target(bar(2, 4010), -1.0);  // flagged reversal: exits, enters not
  ASSERT_TRUE(out.fill);
  EXPECT_EQ(out.position_after, 0);
  EXPECT_EQ(out.risk_events.front().rule, "flagged_bar");
  ASSERT_EQ(session.ledger().closed().size(), 1u);
}
