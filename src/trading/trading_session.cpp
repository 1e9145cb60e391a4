#include "trading/trading_session.hpp"

#include <cmath>
#include <stdexcept>

namespace usdcop::trading {

TradingSession::TradingSession(Policy& policy, const features::NormStats& norm_stats,
                               const TradingConfig& config, const RiskProfile& risk,
                               const OperationsModeView& mode, Broker& broker,
                               PositionRuleConfig rules)
    : policy_(policy),
      stats_(norm_stats),
      config_(config),
      risk_(risk, mode),
      rules_({rules.min_hold_bars, rules.flat_at_session_end || risk.flat_at_session_end}),
      broker_(broker) {}

std::optional<Fill> TradingSession::move_to(double units, Timestamp time, ExitReason reason,
                                            std::optional<Trade>* closed) {
  const AccountState& acc = broker_.account();
  const double equity = acc.equity();
  const double before_qty = acc.position;
  const double target_qty =
      units == 0 ? 0.0 : units * config_.notional_fraction * equity / acc.last_price;
  const double delta = target_qty - before_qty;
  if (delta == 0) return std::nullopt;
  const Fill f = broker_.submit({time, delta});
  position_ = units;
  auto trade = ledger_.on_fill(f, before_qty, bar_number_, equity, reason);
  if (trade) risk_.on_trade_closed(*trade, time);
  if (closed) *closed = trade;
  return f;
}

BarOutcome TradingSession::on_bar(const market::Bar& bar, const features::FeatureRow* row) {
  if (row != nullptr && row->time != bar.time)
    throw std::invalid_argument(
        "TradingSession::on_bar: feature row time differs from the bar time");
  if (row == nullptr || !row->complete) return on_target(bar, std::nullopt);
  // The decision reads the position before this bar's fill; execution is on_target's.
  const int pos = (position_ > 0) - (position_ < 0);
  const auto obs = features::normalize_observation(stats_, row->market, pos, row->time_normalized);
  const double action = policy_.act(Observation(obs));
  const Signal signal = signal_for_action(action, config_.thresholds);
  BarOutcome out = on_target(bar, target_position(signal));
  out.action = action;
  out.signal = signal;
  return out;
}

BarOutcome TradingSession::on_target(const market::Bar& bar, std::optional<double> target) {
  ++bar_number_;
  broker_.mark(bar.time, bar.close);
  BarOutcome out;
  out.time = bar.time;
  out.close = bar.close;
  out.position_before = position_;
  out.decided = target.has_value();
  if (!target) ++no_decision_;
  execute(bar, target.value_or(position_), out);
  return out;
}

void TradingSession::execute(const market::Bar& bar, double target, BarOutcome& out) {
  // Position rules (min hold, session end), the price collar, then the risk manager, whose
  // exits override them.
  const RuledTarget ruled = rules_.apply(bar.time, position_, target);
  out.rule = ruled.by;
  const CollarDecision collar = apply_price_collar(collar_, bar.time, position_, ruled.target);
  const RiskDecision d =
      risk_.review(bar.time, broker_.account().equity(), position_, collar.target);
  if (d.position != position_) {
    ExitReason reason = ExitReason::kSignal;
    if (d.forced_exit) {
      reason = ExitReason::kKillSwitch;
    } else if (d.vetoed) {
      reason = ExitReason::kRisk;
    } else if (ruled.by == RuleOverride::kSessionEnd) {
      reason = ExitReason::kSessionEnd;
    }
    out.fill = move_to(d.position, bar.time, reason, &out.closed_trade);
  }
  rules_.on_bar_end(out.position_before, position_);
  out.position_after = position_;
  out.equity = broker_.account().equity();
  risk_.on_bar_close(bar.time, out.equity);
  out.risk_events = risk_.take_events();
  if (collar.event) out.risk_events.insert(out.risk_events.begin(), *collar.event);
}

std::optional<Fill> TradingSession::close_position(ExitReason reason) {
  if (position_ == 0) return std::nullopt;
  return move_to(0.0, broker_.account().last_time, reason, nullptr);
}

}  // namespace usdcop::trading
