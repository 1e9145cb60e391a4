#pragma once
// The broker port (spec 06) and the paper broker, the only implementation for now. Market
// orders fill at the last marked price (the bar close) plus a cost of cost_bps per unit of
// notional traded. Quantities are units of the asset (USD) priced in account units.
#include <vector>

#include "core/time.hpp"

namespace usdcop::trading {

struct Order {
  Timestamp time{};
  double quantity = 0;  // signed change of the position (asset units)
};

struct Fill {
  long order_id = 0;
  Timestamp time{};
  double quantity = 0;  // signed
  double price = 0;
  double cost = 0;            // account units, >= 0
  double position_after = 0;  // asset units
  bool operator==(const Fill&) const = default;
};

struct AccountState {
  double cash = 0;
  double position = 0;   // asset units, signed
  double avg_price = 0;  // of the open position
  Timestamp opened_at{};
  double last_price = 0;
  Timestamp last_time{};
  double realized_pnl = 0;  // price PnL of closed quantity (before costs)
  double costs = 0;         // cumulative
  double unrealized_pnl() const { return position * (last_price - avg_price); }
  double equity() const { return cash + position * last_price; }
};

class Broker {
 public:
  virtual ~Broker() = default;
  // Marks the account to a new price (a bar close).
  virtual void mark(Timestamp time, double price) = 0;
  // A market order; filled at once at the marked price.
  virtual Fill submit(const Order& order) = 0;
  virtual const AccountState& account() const = 0;
};

class PaperBroker final : public Broker {
 public:
  PaperBroker(double initial_capital, double cost_bps);
  void mark(Timestamp time, double price) override;
  Fill submit(const Order& order) override;
  const AccountState& account() const override { return state_; }
  const std::vector<Fill>& fills() const { return fills_; }

 private:
  AccountState state_;
  double cost_rate_;
  long next_order_id_ = 1;
  std::vector<Fill> fills_;
};

}  // namespace usdcop::trading
