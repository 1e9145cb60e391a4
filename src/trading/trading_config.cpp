#include "trading/trading_config.hpp"

#include <filesystem>

#include "core/canonical_json.hpp"
#include "core/config.hpp"
#include "core/error.hpp"

namespace usdcop::trading {
namespace {

YAML::Node child(const YAML::Node& root, const char* key) {
  return root && root.IsMap() && root[key] ? root[key] : YAML::Node();
}

void require_that(bool ok, const std::string& where, const std::string& why) {
  if (!ok) throw Error(ErrorKind::invalid_input, where + ": " + why);
}

}  // namespace

TradingConfig parse_trading_config(const YAML::Node& root, const std::string& where) {
  TradingConfig c;
  const YAML::Node signal = child(root, "signal");
  c.thresholds.long_above =
      value_or<double>(signal, "long_above", c.thresholds.long_above, where + ".signal");
  c.thresholds.short_below =
      value_or<double>(signal, "short_below", c.thresholds.short_below, where + ".signal");
  const YAML::Node exec = child(root, "execution");
  c.initial_capital =
      value_or<double>(exec, "initial_capital", c.initial_capital, where + ".execution");
  c.notional_fraction =
      value_or<double>(exec, "notional_fraction", c.notional_fraction, where + ".execution");
  c.cost_bps = value_or<double>(exec, "cost_bps", c.cost_bps, where + ".execution");
  require_that(c.thresholds.short_below <= c.thresholds.long_above, where + ".signal",
               "short_below must not exceed long_above");
  require_that(c.initial_capital > 0, where + ".execution.initial_capital", "must be positive");
  require_that(c.notional_fraction > 0 && c.notional_fraction <= 10,
               where + ".execution.notional_fraction", "must be in (0, 10]");
  require_that(c.cost_bps >= 0, where + ".execution.cost_bps", "must not be negative");
  return c;
}

RiskProfile parse_risk_profile(const YAML::Node& root, const std::string& where) {
  RiskProfile r;
  r.name = value_or<std::string>(root, "profile", r.name, where);
  r.max_position = value_or<double>(root, "max_position", r.max_position, where);
  r.max_drawdown_pct = value_or<double>(root, "max_drawdown_pct", r.max_drawdown_pct, where);
  r.daily_loss_pct = value_or<double>(root, "daily_loss_pct", r.daily_loss_pct, where);
  r.max_trades_per_day = value_or<int>(root, "max_trades_per_day", r.max_trades_per_day, where);
  r.max_consecutive_losses =
      value_or<int>(root, "max_consecutive_losses", r.max_consecutive_losses, where);
  r.cooldown_bars = value_or<int>(root, "cooldown_bars", r.cooldown_bars, where);
  r.allow_outside_market_hours =
      value_or<bool>(root, "allow_outside_market_hours", r.allow_outside_market_hours, where);
  r.flat_at_session_end = value_or<bool>(root, "flat_at_session_end", r.flat_at_session_end, where);
  require_that(r.max_position > 0 && r.max_position <= 1, where + ".max_position",
               "must be in (0, 1]");
  require_that(r.max_drawdown_pct < 0 && r.max_drawdown_pct > -1, where + ".max_drawdown_pct",
               "must be a negative fraction (e.g. -0.15)");
  require_that(r.daily_loss_pct < 0 && r.daily_loss_pct > -1, where + ".daily_loss_pct",
               "must be a negative fraction (e.g. -0.05)");
  require_that(r.max_trades_per_day >= 0, where + ".max_trades_per_day", "must not be negative");
  require_that(r.max_consecutive_losses >= 1, where + ".max_consecutive_losses",
               "must be at least 1");
  require_that(r.cooldown_bars >= 0, where + ".cooldown_bars", "must not be negative");
  return r;
}

TradingConfig load_trading_config() {
  const auto path = config_dir() / "trading.yaml";
  if (!std::filesystem::exists(path)) return {};
  return parse_trading_config(load_yaml(path), "trading.yaml");
}

RiskProfile load_risk_profile() {
  const auto path = config_dir() / "risk.yaml";
  if (!std::filesystem::exists(path)) return {};
  return parse_risk_profile(load_yaml(path), "risk.yaml");
}

nlohmann::json to_json(const TradingConfig& c) {
  return {{"long_above", c.thresholds.long_above},
          {"short_below", c.thresholds.short_below},
          {"initial_capital", c.initial_capital},
          {"notional_fraction", c.notional_fraction},
          {"cost_bps", c.cost_bps}};
}

nlohmann::json to_json(const RiskProfile& r) {
  return {{"profile", r.name},
          {"max_position", r.max_position},
          {"max_drawdown_pct", r.max_drawdown_pct},
          {"daily_loss_pct", r.daily_loss_pct},
          {"max_trades_per_day", r.max_trades_per_day},
          {"max_consecutive_losses", r.max_consecutive_losses},
          {"cooldown_bars", r.cooldown_bars},
          {"allow_outside_market_hours", r.allow_outside_market_hours},
          {"flat_at_session_end", r.flat_at_session_end}};
}

std::string risk_profile_sha256(const RiskProfile& r) {
  return canonical_json_sha256(to_json(r));
}

}  // namespace usdcop::trading
