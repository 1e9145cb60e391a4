#pragma once
// A closed (or still open) round trip of the position, as the trade ledger segments fills
// (spec 04): a trade opens when the position leaves 0 and closes when it returns to 0 or
// reverses (a reversal closes one trade and opens another).
#include <string>

#include "core/time.hpp"

namespace usdcop::trading {

enum class ExitReason { kSignal, kRisk, kEndOfData, kKillSwitch, kSessionEnd };
// "signal" | "risk" | "end_of_data" | "kill_switch" | "session_end" (flat_at_session_end)
const char* exit_reason_name(ExitReason r);

struct Trade {
  int id = 0;    // 1-based, in opening order
  int side = 0;  // +1 long, -1 short
  Timestamp entry_time{};
  Timestamp exit_time{};
  double entry_price = 0;
  double exit_price = 0;
  double quantity = 0;    // absolute units of the asset
  int bars_held = 0;      // bar closes between entry and exit
  double gross_pnl = 0;   // price PnL
  double costs = 0;       // entry + exit costs attributed to this trade
  double net_pnl = 0;     // gross_pnl - costs
  double return_pct = 0;  // net_pnl / equity at entry (fraction)
  ExitReason exit_reason = ExitReason::kSignal;
};

}  // namespace usdcop::trading
