#pragma once
// Segments fills into trades (spec 04): a trade opens when the position leaves 0 and closes
// when it returns to 0 or reverses; a reversal fill closes one trade and opens the next, its
// cost split in proportion to the closing and opening quantities.
#include <optional>
#include <vector>

#include "trading/broker.hpp"
#include "trading/trade.hpp"

namespace usdcop::trading {

class TradeLedger {
 public:
  // `bar_number` counts bars from the start of the run (bars_held = exit - entry bar number);
  // `equity_before` is the marked equity before the fill (the trade's return base).
  // Returns the trade closed by this fill, if any.
  std::optional<Trade> on_fill(const Fill& fill, double position_before, long bar_number,
                               double equity_before, ExitReason reason);

  const std::vector<Trade>& closed() const { return closed_; }
  const std::optional<Trade>& open_trade() const { return open_; }

 private:
  void open(const Fill& f, double qty, double cost, long bar_number, double equity_before);
  std::optional<Trade> open_;
  long open_bar_ = 0;
  double open_equity_ = 0;
  std::vector<Trade> closed_;
  int next_id_ = 1;
};

}  // namespace usdcop::trading
