#include "trading/trade_ledger.hpp"

#include <cmath>

namespace usdcop::trading {

const char* exit_reason_name(ExitReason r) {
  switch (r) {
    case ExitReason::kSignal:
      return "signal";
    case ExitReason::kRisk:
      return "risk";
    case ExitReason::kEndOfData:
      return "end_of_data";
    case ExitReason::kKillSwitch:
      return "kill_switch";
    case ExitReason::kSessionEnd:
      return "session_end";
  }
  return "signal";
}

void TradeLedger::open(const Fill& f, double qty, double cost, long bar_number,
                       double equity_before) {
  Trade t;
  t.id = next_id_++;
  t.side = qty > 0 ? 1 : -1;
  t.entry_time = f.time;
  t.entry_price = f.price;
  t.quantity = std::fabs(qty);
  t.costs = cost;
  open_ = t;
  open_bar_ = bar_number;
  open_equity_ = equity_before;
}

std::optional<Trade> TradeLedger::on_fill(const Fill& f, double before, long bar_number,
                                          double equity_before, ExitReason reason) {
  const double after = f.position_after;
  if (f.quantity == 0) return std::nullopt;
  if (before == 0) {
    open(f, after, f.cost, bar_number, equity_before);
    return std::nullopt;
  }
  const bool reverses = after != 0 && (after > 0) != (before > 0);
  if (after != 0 && !reverses) {
    // Resized in the same direction: stays one trade (average entry, realized part in gross).
    Trade& t = *open_;
    if (std::fabs(after) > std::fabs(before)) {
      t.entry_price =
          (t.entry_price * t.quantity + f.price * std::fabs(f.quantity)) / std::fabs(after);
    } else {
      t.gross_pnl += std::fabs(f.quantity) * (f.price - t.entry_price) * t.side;
    }
    t.quantity = std::fabs(after);
    t.costs += f.cost;
    return std::nullopt;
  }
  const double closing = std::fabs(before);
  const double opening = std::fabs(after);
  const double close_cost = f.cost * closing / (closing + opening);
  Trade t = *open_;
  t.exit_time = f.time;
  t.exit_price = f.price;
  t.bars_held = static_cast<int>(bar_number - open_bar_);
  t.gross_pnl += closing * (f.price - t.entry_price) * t.side;
  t.costs += close_cost;
  t.net_pnl = t.gross_pnl - t.costs;
  t.return_pct = open_equity_ != 0 ? t.net_pnl / open_equity_ : 0.0;
  t.exit_reason = reason;
  closed_.push_back(t);
  open_.reset();
  if (reverses) open(f, after, f.cost - close_cost, bar_number, equity_before);
  return t;
}

}  // namespace usdcop::trading
