#pragma once
// One trading stack for one model: normalize -> policy -> signal -> risk manager -> broker ->
// trade ledger. It takes one bar and its feature row at a time; the backtest feeds it stored
// bars in order, the live engine feeds it each new bar. Nothing else differs (spec 00, 04).
//
// At the close of bar t (bar.time = its open): the broker is marked at C_t; if the feature row
// for t is complete the policy decides, otherwise there is no decision (the position is held
// and the bar is counted); the risk manager reviews the target; a position change is filled
// at C_t plus cost. Position sizes are fixed at entry: |target| x notional_fraction x equity.
#include <optional>
#include <vector>

#include "features/feature_row.hpp"
#include "features/norm_stats.hpp"
#include "market/bar.hpp"
#include "trading/broker.hpp"
#include "trading/policy.hpp"
#include "trading/position_rules.hpp"
#include "trading/price_collar.hpp"
#include "trading/risk_manager.hpp"
#include "trading/signal.hpp"
#include "trading/trade_ledger.hpp"
#include "trading/trading_config.hpp"

namespace usdcop::trading {

struct BarOutcome {
  Timestamp time{};
  double close = 0;
  bool decided = false;  // a complete feature row was present
  double action = 0;     // policy output (0 when no decision)
  Signal signal = Signal::kHold;
  double position_before = 0;  // signal units (-1..1)
  double position_after = 0;
  RuleOverride rule = RuleOverride::kNone;  // min hold / session end changed the target
  std::optional<Fill> fill;
  std::optional<Trade> closed_trade;
  double equity = 0;  // after the fill
  std::vector<RiskEvent> risk_events;
};

class TradingSession {
 public:
  // References must outlive the session. `rules`: the position rules of the run's config
  // (trading/position_rules.hpp); the risk profile's flat_at_session_end also turns that rule on.
  TradingSession(Policy& policy, const features::NormStats& norm_stats, const TradingConfig& config,
                 const RiskProfile& risk, const OperationsModeView& mode, Broker& broker,
                 PositionRuleConfig rules = {});

  // `row` may be null (missing) or incomplete: no decision. A row for another time is refused.
  BarOutcome on_bar(const market::Bar& bar, const features::FeatureRow* row);
  // The execution half of on_bar (position rules, risk manager, broker, ledger) for a driver
  // that decided elsewhere: the training environment with apply_risk_limits gives the target
  // of its own action. `target` is nullopt when there is no decision.
  BarOutcome on_target(const market::Bar& bar, std::optional<double> target);
  // The price collar (spec 12) over these flagged bars (null: none). The map must outlive the
  // session; its owner may add bars to it as they arrive.
  void use_price_collar(const FlaggedBars* flagged) { collar_ = flagged; }
  // Closes any open position at the last marked price (end of a backtest; a kill).
  std::optional<Fill> close_position(ExitReason reason);

  double position() const { return position_; }
  const Broker& broker() const { return broker_; }
  const TradeLedger& ledger() const { return ledger_; }
  const RiskManager& risk() const { return risk_; }
  const PositionRules& rules() const { return rules_; }
  long bars_seen() const { return bar_number_; }
  long bars_without_decision() const { return no_decision_; }

 private:
  std::optional<Fill> move_to(double units, Timestamp time, ExitReason reason,
                              std::optional<Trade>* closed);
  void execute(const market::Bar& bar, double target, BarOutcome& out);

  Policy& policy_;
  const features::NormStats& stats_;
  TradingConfig config_;
  RiskManager risk_;
  PositionRules rules_;
  Broker& broker_;
  TradeLedger ledger_;
  const FlaggedBars* collar_ = nullptr;
  double position_ = 0;  // signal units
  long bar_number_ = 0;
  long no_decision_ = 0;
};

}  // namespace usdcop::trading
