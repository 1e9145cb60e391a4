// Environment accounting (spec 03) on scripted action sequences with hand-computed values.
#include <gtest/gtest.h>

#include <cmath>

#include "learn/trading_env.hpp"

using namespace usdcop;
using learn::EnvConfig;
using learn::EnvSeries;
using learn::Observation;
using learn::TradingEnv;

namespace {

std::shared_ptr<EnvSeries> series_with_returns(std::vector<double> returns) {
  auto s = std::make_shared<EnvSeries>();
  s->next_log_return = std::move(returns);
  const std::size_t n = s->next_log_return.size();
  for (std::size_t i = 0; i < n; ++i) {
    s->time.push_back(Timestamp{} + std::chrono::minutes(5 * static_cast<int>(i)));
    std::array<float, learn::kMarketFeatures> m{};
    m[0] = static_cast<float>(i);  // lets a test see which row it observes
    s->market.push_back(m);
    s->time_normalized.push_back(static_cast<float>(i % 60) / 59.0f);
  }
  return s;
}

EnvConfig config_no_limits() {
  EnvConfig c;
  c.episode_length = 1000;
  c.max_episode_drawdown = 0.99;
  return c;
}

}  // namespace

TEST(TradingEnv, FlatEarnsNothingAndPaysNothing) {
  TradingEnv env(series_with_returns({0.01, -0.02, 0.03, 0.0}), config_no_limits());
  env.reset_at(0);
  Observation next;
  for (int i = 0; i < 2; ++i) {
    const auto r = env.step(0.0, next);
    EXPECT_EQ(r.reward, 0.0);
    EXPECT_EQ(r.info.position, 0);
  }
  EXPECT_EQ(env.equity(), 1.0);
}

TEST(TradingEnv, LongPaysEntryCostOnceThenEarnsTheReturn) {
  TradingEnv env(series_with_returns({0.01, -0.02, 0.03, 0.0}), config_no_limits());
  Observation obs = env.reset_at(0);
  EXPECT_EQ(obs[learn::kPositionSlot], 0.0f);
  Observation next;
  auto r1 = env.step(0.9, next);
  EXPECT_DOUBLE_EQ(r1.reward, 100.0 * (0.01 - 1e-4));
  EXPECT_EQ(next[learn::kPositionSlot], 1.0f);
  EXPECT_EQ(next[0], 1.0f);  // row 1's features
  auto r2 = env.step(0.5, next);
  EXPECT_DOUBLE_EQ(r2.reward, 100.0 * -0.02);
  EXPECT_DOUBLE_EQ(env.equity(), std::exp(0.01 - 1e-4) * std::exp(-0.02));
  EXPECT_NEAR(r2.info.drawdown, 1.0 - std::exp(-0.02), 1e-15);
}

TEST(TradingEnv, ShortEarnsTheNegatedReturn) {
  TradingEnv env(series_with_returns({0.01, -0.02, 0.0}), config_no_limits());
  env.reset_at(0);
  Observation next;
  auto r1 = env.step(-0.5, next);
  EXPECT_EQ(r1.info.position, -1);
  EXPECT_DOUBLE_EQ(r1.reward, 100.0 * (-0.01 - 1e-4));
  auto r2 = env.step(-1.0, next);
  EXPECT_DOUBLE_EQ(r2.reward, 100.0 * 0.02);
}

TEST(TradingEnv, ReversalCostsTwoUnits) {
  EnvConfig c = config_no_limits();
  c.cost_bps = 2.5;
  TradingEnv env(series_with_returns({0.0, 0.0, 0.0, 0.0}), c);
  env.reset_at(0);
  Observation next;
  env.step(1.0, next);
  auto r = env.step(-1.0, next);
  EXPECT_DOUBLE_EQ(r.info.cost, 2.0 * 2.5e-4);
  EXPECT_DOUBLE_EQ(r.reward, -100.0 * 5e-4);
  EXPECT_DOUBLE_EQ(env.equity(), std::exp(-2.5e-4) * std::exp(-5e-4));
}

TEST(TradingEnv, ThresholdsMapActionsToPositions) {
  TradingEnv env(series_with_returns({0.0, 0.0, 0.0, 0.0, 0.0}), config_no_limits());
  env.reset_at(0);
  Observation next;
  EXPECT_EQ(env.step(0.33, next).info.position, 0);  // not above the threshold
  EXPECT_EQ(env.step(0.34, next).info.position, 1);
  EXPECT_EQ(env.step(-7.0, next).info.position, -1);         // clipped
  EXPECT_EQ(env.step(std::nan(""), next).info.position, 0);  // NaN fails closed
}

TEST(TradingEnv, MinHoldBlocksEarlyCloseAndReversal) {
  EnvConfig c = config_no_limits();
  c.min_hold_bars = 3;
  TradingEnv env(series_with_returns({0.01, 0.01, 0.01, 0.01, 0.01, 0.0}), c);
  env.reset_at(0);
  Observation next;
  EXPECT_EQ(env.step(1.0, next).info.position, 1);  // opened, held 1 bar
  auto blocked = env.step(-1.0, next);              // reversal refused
  EXPECT_TRUE(blocked.info.blocked);
  EXPECT_EQ(blocked.info.position, 1);
  EXPECT_DOUBLE_EQ(blocked.reward, 100.0 * 0.01);  // no cost: nothing traded
  EXPECT_TRUE(env.step(0.0, next).info.blocked);   // close refused, now held 3 bars
  auto closed = env.step(0.0, next);
  EXPECT_FALSE(closed.info.blocked);
  EXPECT_EQ(closed.info.position, 0);
  EXPECT_DOUBLE_EQ(closed.reward, -100.0 * 1e-4);
}

TEST(TradingEnv, TerminatesBeyondTheDrawdownLimit) {
  EnvConfig c = config_no_limits();
  c.max_episode_drawdown = 0.15;
  c.cost_bps = 0;
  TradingEnv env(series_with_returns({-0.1, -0.1, -0.1, 0.0, 0.0}), c);
  env.reset_at(0);
  Observation next;
  auto r1 = env.step(1.0, next);  // dd = 1 - e^-0.1 = 9.5 %
  EXPECT_FALSE(r1.terminated);
  auto r2 = env.step(1.0, next);  // dd = 1 - e^-0.2 = 18.1 %
  EXPECT_TRUE(r2.terminated);
  EXPECT_FALSE(r2.truncated);
}

TEST(TradingEnv, DrawdownPenaltyChargesOnlyIncreases) {
  EnvConfig c = config_no_limits();
  c.cost_bps = 0;
  c.drawdown_penalty = 10.0;
  TradingEnv env(series_with_returns({-0.01, 0.005, 0.0}), c);
  env.reset_at(0);
  Observation next;
  auto r1 = env.step(1.0, next);
  EXPECT_DOUBLE_EQ(r1.reward, 100.0 * -0.01 - 10.0 * (1.0 - std::exp(-0.01)));
  auto r2 = env.step(1.0, next);  // drawdown shrinks: no penalty
  EXPECT_DOUBLE_EQ(r2.reward, 100.0 * 0.005);
}

TEST(TradingEnv, TruncatesAtTheLengthLimit) {
  EnvConfig c = config_no_limits();
  c.episode_length = 3;
  TradingEnv env(series_with_returns(std::vector<double>(10, 0.0)), c);
  env.reset_at(2);
  Observation next;
  EXPECT_FALSE(env.step(0, next).truncated);
  EXPECT_FALSE(env.step(0, next).truncated);
  auto last = env.step(0, next);
  EXPECT_TRUE(last.truncated);
  EXPECT_FALSE(last.terminated);
  EXPECT_EQ(next[0], 5.0f);  // the final observation is row 5, for bootstrapping
}

TEST(TradingEnv, TruncatesAtTheEndOfData) {
  TradingEnv env(series_with_returns(std::vector<double>(6, 0.0)), config_no_limits());
  env.reset_at(3);
  Observation next;
  EXPECT_FALSE(env.step(0, next).truncated);
  auto last = env.step(0, next);  // row 4 -> row 5, the last row
  EXPECT_TRUE(last.truncated);
  EXPECT_EQ(next[0], 5.0f);
}

TEST(TradingEnv, RandomStartsAreReproducibleAndLeaveAFullEpisode) {
  EnvConfig c = config_no_limits();
  c.episode_length = 50;
  auto s = series_with_returns(std::vector<double>(200, 0.0));
  TradingEnv a(s, c), b(s, c);
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const Observation oa = a.reset(seed), ob = b.reset(seed);
    EXPECT_EQ(oa, ob);
    EXPECT_LE(a.row() + 50, 199u);
  }
}

TEST(VecTradingEnv, AutoResetsAndReportsTheFinalObservation) {
  EnvConfig c = config_no_limits();
  c.episode_length = 2;
  learn::VecTradingEnv vec(series_with_returns(std::vector<double>(100, 0.001)), c, 3, 7);
  ASSERT_EQ(vec.observations().size(), 3u * 15u);
  const std::vector<double> actions(3, 1.0);
  vec.step(actions);
  EXPECT_FALSE(vec.truncated(0));
  vec.step(actions);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(vec.truncated(i));
    EXPECT_EQ(vec.final_observation(i)[learn::kPositionSlot], 1.0f);
    EXPECT_EQ(vec.observations()[static_cast<std::size_t>(i) * 15 + learn::kPositionSlot], 0.0f);
    EXPECT_NEAR(vec.episode_return(i), 100.0 * (0.002 - 1e-4), 1e-12);
  }
}
