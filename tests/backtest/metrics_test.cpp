#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "backtest/metrics.hpp"

using namespace usdcop;
using backtest::EquityPoint;

namespace {

Timestamp at(const char* text) {
  return parse_timestamp_or_throw(text, "t");
}

trading::Trade trade(double net, int bars = 1) {
  trading::Trade t;
  t.net_pnl = net;
  t.gross_pnl = net + 0.5;
  t.bars_held = bars;
  return t;
}

}  // namespace

TEST(Metrics, HandComputedCurve) {
  // One session: 100 -> 110 -> 99 -> 121; r = 0.1, -0.1, 0.2222...
  std::vector<EquityPoint> eq = {{at("2024-01-03T13:00:00Z"), 100, true, 0},
                                 {at("2024-01-03T13:05:00Z"), 110, true, 1},
                                 {at("2024-01-03T13:10:00Z"), 99, true, 1},
                                 {at("2024-01-03T13:15:00Z"), 121, true, 0}};
  std::vector<trading::Trade> trades = {trade(10, 2), trade(-5, 4), trade(3, 3)};
  const auto m = backtest::compute_metrics(eq, trades);
  EXPECT_NEAR(m.total_return_pct, 0.21, 1e-12);
  EXPECT_NEAR(m.total_pnl, 21, 1e-12);
  // mean/std(n-1) * sqrt(15,120), computed by hand (Python): 55.99377881462285
  EXPECT_NEAR(m.sharpe_ratio, 55.99377881462285, 1e-9);
  // mean / sqrt(mean(min(r,0)^2)) * sqrt(15,120) = 157.76212754932328
  EXPECT_NEAR(m.sortino_ratio, 157.76212754932328, 1e-9);
  EXPECT_NEAR(m.max_drawdown_pct, -0.1, 1e-12);  // 99 / 110 - 1: negative fraction
  EXPECT_EQ(m.total_trades, 3);
  EXPECT_NEAR(m.win_rate, 2.0 / 3.0, 1e-12);
  ASSERT_TRUE(m.profit_factor);
  EXPECT_NEAR(*m.profit_factor, 13.0 / 5.0, 1e-12);
  EXPECT_NEAR(m.avg_trade_pnl, 8.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.avg_bars_held, 3.0, 1e-12);
  EXPECT_NEAR(m.exposure, 0.5, 1e-12);
  ASSERT_EQ(m.daily_returns.size(), 1u);
  EXPECT_NEAR(m.daily_returns[0].ret, 0.21, 1e-12);
  EXPECT_EQ(m.annualized_return, 0.0);  // overflows on 3 returns: reported as 0
}

TEST(Metrics, DailyReturnsAndCalmarOverTwoSessions) {
  std::vector<EquityPoint> eq = {
      {at("2024-01-03T13:00:00Z"), 10000, true, 1},
      {at("2024-01-03T13:05:00Z"), 10100, true, 1},
      {at("2024-01-03T17:55:00Z"), 10050, true, 0},
      {at("2024-01-03T20:00:00Z"), 99999, false, 0},  // not a session bar: ignored
      {at("2024-01-04T13:00:00Z"), 10200, true, 0},
      {at("2024-01-04T13:05:00Z"), 9900, true, 0}};
  eq[3].equity = 10050;  // a non-session mark with unchanged equity
  const auto m = backtest::compute_metrics(eq, {});
  EXPECT_EQ(m.session_returns, 4);
  EXPECT_NEAR(m.sharpe_ratio, -14.565332700085756, 1e-9);
  ASSERT_EQ(m.daily_returns.size(), 2u);
  EXPECT_EQ(format_date(m.daily_returns[0].day), "2024-01-03");
  EXPECT_NEAR(m.daily_returns[0].ret, 0.004999999999999893, 1e-12);
  EXPECT_NEAR(m.daily_returns[1].ret, -0.014925373134328401, 1e-12);
  EXPECT_NEAR(m.max_drawdown_pct, 9900.0 / 10200.0 - 1, 1e-12);
  EXPECT_NEAR(m.annualized_return, -1.0, 1e-12);
  EXPECT_NEAR(m.calmar, -33.99999999999999, 1e-9);
  EXPECT_NEAR(m.exposure, 0.4, 1e-12);  // 2 of 5 session points hold a position
  EXPECT_EQ(m.total_trades, 0);
  EXPECT_EQ(m.win_rate, 0);
  EXPECT_FALSE(m.profit_factor);
}

TEST(Metrics, ProfitFactorIsNullWithoutLossesAndWinRateUsesNetPnl) {
  std::vector<trading::Trade> trades = {trade(1), trade(2)};
  auto m = backtest::compute_metrics({}, trades);
  EXPECT_FALSE(m.profit_factor);
  EXPECT_EQ(backtest::to_json(m)["profit_factor"], nullptr);
  EXPECT_EQ(m.win_rate, 1.0);
  // Gross +0.3 but net -0.2 after costs: a loss.
  trading::Trade t = trade(-0.2);
  t.gross_pnl = 0.3;
  trades.push_back(t);
  m = backtest::compute_metrics({}, trades);
  EXPECT_NEAR(m.win_rate, 2.0 / 3.0, 1e-12);
  ASSERT_TRUE(m.profit_factor);
  EXPECT_NEAR(*m.profit_factor, 15.0, 1e-12);
}

TEST(Metrics, FlatCurveHasZeroSharpeAndNoDrawdown) {
  std::vector<EquityPoint> eq;
  for (int i = 0; i < 10; ++i)
    eq.push_back({at("2024-01-03T13:00:00Z") + std::chrono::minutes(5 * i), 10000, true, 0});
  const auto m = backtest::compute_metrics(eq, {});
  EXPECT_EQ(m.sharpe_ratio, 0);
  EXPECT_EQ(m.sortino_ratio, 0);
  EXPECT_EQ(m.max_drawdown_pct, 0);
  EXPECT_EQ(m.calmar, 0);
  EXPECT_EQ(m.total_return_pct, 0);
}
