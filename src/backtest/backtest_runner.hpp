#pragma once
// The backtest: stored bars and feature rows replayed, one bar at a time and oldest first,
// through trading::TradingSession — the object the live engine drives. Only the clock (bar
// times) and the bar source differ from live. At the end an open position is closed at the
// last close (exit reason end_of_data).
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "backtest/metrics.hpp"
#include "features/decision_blocks.hpp"
#include "features/feature_row.hpp"
#include "features/norm_stats.hpp"
#include "market/bar.hpp"
#include "trading/broker.hpp"
#include "trading/operations_mode.hpp"
#include "trading/policy.hpp"
#include "trading/position_rules.hpp"
#include "trading/price_collar.hpp"
#include "trading/risk_manager.hpp"
#include "trading/trading_config.hpp"

namespace usdcop::backtest {

struct BacktestConfig {
  trading::TradingConfig trading;
  trading::RiskProfile risk;
  trading::OperationsMode mode = trading::OperationsMode::kNormal;
  bool close_at_end = true;           // close an open position after the last bar (end_of_data)
  trading::PositionRuleConfig rules;  // of the run's config (min hold, flat at session end)
  // Open macro flags, to say which flag blocked decisions (not part of the JSON config).
  std::shared_ptr<const features::FlagAttribution> flags;
  // Bars flagged jump or holiday at import: the price collar (spec 12) refuses new entries on
  // them, as live does. Null: no collar (not part of the JSON config).
  std::shared_ptr<const trading::FlaggedBars> flagged_bars;
};
nlohmann::json to_json(const BacktestConfig& c);

struct BacktestResult {
  std::vector<trading::Trade> trades;  // closed trades, in closing order
  // The initial capital (at first bar time - 5 min), then one point per bar, marked at its
  // close after its decision and fill.
  std::vector<EquityPoint> equity;
  std::vector<trading::Fill> fills;
  std::vector<trading::RiskEvent> risk_events;
  Metrics metrics;
  long bars = 0;
  long decisions = 0;                // bars with a complete feature row
  long bars_without_decision = 0;    // missing or incomplete rows: position held
  features::DecisionBlocks blocked;  // those bars by missing feature and cause
  long signal_changes = 0;
};

// (done, total) after each bar; called often, keep it cheap.
using ProgressFn = std::function<void(long, long)>;

// What a caller sees while the replay runs (the API's backtest stream); any may be empty. They
// get the very trades and points the result holds, as they are made: nothing is recomputed.
struct ReplayListener {
  ProgressFn progress;                                      // every 1024 bars and at the end
  std::function<void(const trading::Trade&)> trade_closed;  // each closed trade, as it closes
  std::function<void(const EquityPoint&)> equity_marked;    // each point of the curve
};

// `bars` and `rows` sorted by time; a bar without a row of the same time gets no decision.
BacktestResult run_backtest(std::span<const market::Bar> bars,
                            std::span<const features::FeatureRow> rows, trading::Policy& policy,
                            const features::NormStats& norm_stats, const BacktestConfig& config,
                            const ReplayListener& listener = {});

}  // namespace usdcop::backtest
