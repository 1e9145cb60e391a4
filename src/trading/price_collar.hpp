#pragma once
// The price collar (spec 12): no new entry on a bar the import flagged `jump` or `holiday`
// (market.bar_flags); exits are allowed. The refusal is the risk event `flagged_bar`. It lives
// in TradingSession, so the backtest, the live engine and its shadows collar alike.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "market/bar_store.hpp"
#include "trading/risk_manager.hpp"

namespace usdcop::trading {

// Bar time -> its collaring flag rules ("holiday", "jump" or "holiday,jump").
using FlaggedBars = std::map<Timestamp, std::string>;

// Adds the collaring flags (rules jump and holiday) of `flags` to `into`.
void add_collar_flags(FlaggedBars& into, const std::vector<market::BarFlag>& flags);

// The target allowed on a flagged bar: flat, or a reduction of the position on its side; a new
// entry, an increase or a reversal's new side is refused (a reversal ends flat).
double collared_target(double position, double target);

// The collar applied to `target` at `time`: the allowed target and, when it refused
// something, the flagged_bar risk event.
struct CollarDecision {
  double target = 0;
  std::optional<RiskEvent> event;
};
CollarDecision apply_price_collar(const FlaggedBars* flagged, Timestamp time, double position,
                                  double target);

}  // namespace usdcop::trading
