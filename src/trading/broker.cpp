#include "trading/broker.hpp"

#include <cmath>
#include <stdexcept>

namespace usdcop::trading {

PaperBroker::PaperBroker(double initial_capital, double cost_bps) : cost_rate_(cost_bps * 1e-4) {
  state_.cash = initial_capital;
}

void PaperBroker::mark(Timestamp time, double price) {
  if (!(price > 0)) throw std::invalid_argument("PaperBroker::mark: price must be positive");
  state_.last_price = price;
  state_.last_time = time;
}

Fill PaperBroker::submit(const Order& order) {
  if (state_.last_price <= 0) throw std::logic_error("PaperBroker::submit before the first mark");
  const double price = state_.last_price;
  const double q = order.quantity;
  const double before = state_.position;
  const double after = before + q;
  const double cost = std::fabs(q) * price * cost_rate_;

  // Realized PnL on the part that reduces the open position; the rest opens at this price.
  if (before != 0 && (before > 0) != (q > 0)) {
    const double closed = std::min(std::fabs(q), std::fabs(before));
    state_.realized_pnl += closed * (price - state_.avg_price) * (before > 0 ? 1.0 : -1.0);
  }
  if (after == 0) {
    state_.avg_price = 0;
  } else if (before == 0 || (before > 0) != (after > 0)) {
    state_.avg_price = price;
    state_.opened_at = order.time;
  } else if (std::fabs(after) > std::fabs(before)) {
    state_.avg_price =
        (state_.avg_price * std::fabs(before) + price * std::fabs(q)) / std::fabs(after);
  }
  state_.cash -= q * price + cost;
  state_.costs += cost;
  state_.position = after;
  Fill f{next_order_id_++, order.time, q, price, cost, after};
  fills_.push_back(f);
  return f;
}

}  // namespace usdcop::trading
