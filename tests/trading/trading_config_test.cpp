#include <gtest/gtest.h>

#include "core/error.hpp"
#include "trading/operations_mode.hpp"
#include "trading/trading_config.hpp"

using namespace usdcop;

TEST(TradingConfig, ShippedFilesGiveTheSpecDefaults) {
  const auto c = trading::load_trading_config();
  EXPECT_DOUBLE_EQ(c.thresholds.long_above, 0.33);
  EXPECT_DOUBLE_EQ(c.thresholds.short_below, -0.33);
  EXPECT_DOUBLE_EQ(c.initial_capital, 10000);
  EXPECT_DOUBLE_EQ(c.cost_bps, 1.0);
  const auto r = trading::load_risk_profile();
  EXPECT_DOUBLE_EQ(r.max_drawdown_pct, -0.15);
  EXPECT_DOUBLE_EQ(r.daily_loss_pct, -0.05);
  EXPECT_EQ(r.max_trades_per_day, 20);
  EXPECT_EQ(r.max_consecutive_losses, 5);
  EXPECT_EQ(r.cooldown_bars, 12);
  EXPECT_FALSE(r.allow_outside_market_hours);
}

TEST(TradingConfig, BadValuesAreRefusedNamingTheKey) {
  try {
    trading::parse_risk_profile(YAML::Load("max_drawdown_pct: 0.15"), "risk.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("risk.yaml.max_drawdown_pct"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(
      trading::parse_trading_config(YAML::Load("execution: {cost_bps: abc}"), "trading.yaml"),
      Error);
  EXPECT_THROW(
      trading::parse_trading_config(YAML::Load("execution: {cost_bps: -1}"), "trading.yaml"),
      Error);
}

TEST(OperationsMode, ParsesTheThreeModesOnly) {
  EXPECT_EQ(trading::parse_operations_mode("PAUSED"), trading::OperationsMode::kPaused);
  EXPECT_FALSE(trading::parse_operations_mode("paused"));
  EXPECT_STREQ(trading::mode_name(trading::OperationsMode::kKilled), "KILLED");
}
