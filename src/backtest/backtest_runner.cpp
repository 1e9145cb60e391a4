#include "backtest/backtest_runner.hpp"

#include "core/calendar.hpp"
#include "trading/trading_session.hpp"

namespace usdcop::backtest {

nlohmann::json to_json(const BacktestConfig& c) {
  return {{"trading", trading::to_json(c.trading)},
          {"risk", trading::to_json(c.risk)},
          {"mode", trading::mode_name(c.mode)},
          {"close_at_end", c.close_at_end},
          {"min_hold_bars", c.rules.min_hold_bars},
          {"flat_at_session_end", c.rules.flat_at_session_end}};
}

BacktestResult run_backtest(std::span<const market::Bar> bars,
                            std::span<const features::FeatureRow> rows, trading::Policy& policy,
                            const features::NormStats& norm_stats, const BacktestConfig& config,
                            const ReplayListener& listener) {
  BacktestResult r;
  trading::PaperBroker broker(config.trading.initial_capital, config.trading.cost_bps);
  trading::FixedOperationsMode mode(config.mode);
  trading::TradingSession session(policy, norm_stats, config.trading, config.risk, mode, broker,
                                  config.rules);
  session.use_price_collar(config.flagged_bars.get());
  r.equity.reserve(bars.size() + 1);
  // The curve starts with the initial capital one bar before the first bar, so the first
  // bar's return and its entry cost count (E_start = initial_capital).
  if (!bars.empty())
    r.equity.push_back({bars.front().time - kBarLength, config.trading.initial_capital, true, 0.0});
  if (!r.equity.empty() && listener.equity_marked) listener.equity_marked(r.equity.back());
  std::size_t trades_seen = 0;
  const auto announce_trades = [&] {
    const auto& closed = session.ledger().closed();
    if (!listener.trade_closed) return;
    for (; trades_seen < closed.size(); ++trades_seen) listener.trade_closed(closed[trades_seen]);
  };

  const features::FlagAttribution no_flags;
  std::size_t k = 0;
  const long total = static_cast<long>(bars.size());
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& bar = bars[i];
    while (k < rows.size() && rows[k].time < bar.time) ++k;
    const features::FeatureRow* row =
        (k < rows.size() && rows[k].time == bar.time) ? &rows[k] : nullptr;
    auto out = session.on_bar(bar, row);
    if (out.decided) {
      ++r.decisions;
    } else {
      r.blocked.add(bar.time, row, config.flags ? *config.flags : no_flags);
    }
    if (out.fill) {
      r.fills.push_back(*out.fill);
      ++r.signal_changes;
    }
    for (auto& e : out.risk_events) r.risk_events.push_back(std::move(e));
    if (i + 1 == bars.size() && config.close_at_end) {
      if (auto f = session.close_position(trading::ExitReason::kEndOfData)) r.fills.push_back(*f);
      out.position_after = session.position();
      out.equity = broker.account().equity();
    }
    r.equity.push_back({bar.time, out.equity, is_session_bar(bar.time), out.position_after});
    announce_trades();
    if (listener.equity_marked) listener.equity_marked(r.equity.back());
    if (listener.progress && ((i & 1023) == 0 || i + 1 == bars.size()))
      listener.progress(static_cast<long>(i + 1), total);
  }
  r.bars = total;
  r.bars_without_decision = session.bars_without_decision();
  r.trades = session.ledger().closed();
  r.metrics = compute_metrics(r.equity, r.trades);
  return r;
}

}  // namespace usdcop::backtest
