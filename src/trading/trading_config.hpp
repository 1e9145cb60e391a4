#pragma once
// Trading and risk settings: config/trading.yaml (signal thresholds, capital, sizing, costs)
// and config/risk.yaml (the risk profile of spec 06). Every field has the spec default; a
// present but malformed field is refused naming file and key.
#include <string>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "trading/signal.hpp"

namespace usdcop::trading {

struct TradingConfig {
  SignalThresholds thresholds;
  double initial_capital = 10000.0;  // account units
  double notional_fraction = 1.0;    // |position| 1 = this fraction of current equity
  double cost_bps = 1.0;             // per unit of position change
};

struct RiskProfile {
  std::string name = "default";
  double max_position = 1.0;        // clamp of |target|
  double max_drawdown_pct = -0.15;  // from the equity peak: kill switch (close positions)
  double daily_loss_pct = -0.05;    // of start-of-day equity: pause until next session
  int max_trades_per_day = 20;      // new entries refused beyond
  int max_consecutive_losses = 5;   // then a cooldown without new entries
  int cooldown_bars = 12;
  bool allow_outside_market_hours = false;
  bool flat_at_session_end = false;  // close at the last session bar (spec 06); else hold overnight
};

TradingConfig parse_trading_config(const YAML::Node& root, const std::string& where);
RiskProfile parse_risk_profile(const YAML::Node& root, const std::string& where);
// From the config directory (core/config.hpp); a missing file gives the defaults.
TradingConfig load_trading_config();
RiskProfile load_risk_profile();

nlohmann::json to_json(const TradingConfig& c);
nlohmann::json to_json(const RiskProfile& r);
// The profile's identity where backtests and the promotion policy compare it (spec 12): sha256
// of the canonical JSON of to_json(r), the same bytes a stored backtest config's `risk` holds.
std::string risk_profile_sha256(const RiskProfile& r);

}  // namespace usdcop::trading
