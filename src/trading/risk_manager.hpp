#pragma once
// The risk manager of spec 06, the same code in backtest and live. Called once per bar close
// with the policy's target position (signal units, -1..1); it returns the position the broker
// may take and records every veto with its rule and the values that triggered it.
//
// Rules, in order of precedence:
//   mode KILLED            -> nothing (the position is left as it is; kill closed it)
//   max drawdown from peak -> kill switch: close the position, no trading for the rest of the run
//   outside market hours   -> every order refused
//   max position           -> |target| clamped
//   mode PAUSED, daily loss pause (until the next session), max trades per day, loss-streak
//   cooldown               -> new entries refused; exits (towards flat) allowed
// An "entry" is any order that opens or enlarges a position (0 -> ±1, a larger |position|, or
// the opening half of a reversal); the exit half of a refused reversal is still executed.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "trading/operations_mode.hpp"
#include "trading/position_rules.hpp"
#include "trading/trade.hpp"
#include "trading/trading_config.hpp"

namespace usdcop::trading {

struct RiskEvent {
  Timestamp time{};
  std::string rule;    // market_hours, mode_killed, mode_paused, max_drawdown, daily_loss, ...
  std::string action;  // refuse, refuse_entry, clamp, close_positions, pause, cooldown
  nlohmann::json details;
};
nlohmann::json to_json(const RiskEvent& e);

struct RiskDecision {
  double position = 0;       // the position to hold after this bar
  bool vetoed = false;       // the target was changed by a rule
  bool forced_exit = false;  // the risk manager itself closed the position (kill switch)
};

class RiskManager {
 public:
  RiskManager(RiskProfile profile, const OperationsModeView& mode);

  // `bar_time` is the bar's open time (the decision is taken at its close, inside that bar);
  // `equity` is marked at the bar's close.
  RiskDecision review(Timestamp bar_time, double equity, double current, double target);
  // Each bar's equity after its fill (start-of-day equity of the daily-loss rule).
  void on_bar_close(Timestamp bar_time, double equity) {
    start_of_day_.on_bar_close(bar_time, equity);
  }
  // The trade ledger reports each closed trade (loss streak, cooldown).
  void on_trade_closed(const Trade& trade, Timestamp bar_time);

  // Events recorded since the last call, oldest first.
  std::vector<RiskEvent> take_events();

  bool kill_switch_active() const { return killed_; }
  bool daily_paused() const { return daily_paused_; }
  int trades_today() const { return trades_today_; }
  int cooldown_remaining() const { return cooldown_; }
  const RiskProfile& profile() const { return profile_; }

 private:
  void record(Timestamp t, std::string rule, std::string action, nlohmann::json details);
  void roll_day(Timestamp bar_time);
  // Trips the kill switch on the drawdown limit; true (and d filled) while it is tripped.
  bool kill_switch(Timestamp bar_time, double equity, double current, double target,
                   RiskDecision& d);
  // The entry gates (mode paused, daily loss, trades per day, cool-down): the position allowed
  // for `wanted` (the target after the position clamp).
  double gate_entry(Timestamp bar_time, OperationsMode mode, double day_return, bool cooling,
                    double current, double target, double wanted);

  RiskProfile profile_;
  const OperationsModeView& mode_;
  std::vector<RiskEvent> events_;
  bool started_ = false;
  Date day_{};
  StartOfDayEquity start_of_day_{0.0};
  double day_start_equity_ = 0;
  double peak_ = 0;
  bool killed_ = false;
  bool daily_paused_ = false;
  int trades_today_ = 0;
  int loss_streak_ = 0;
  int cooldown_ = 0;
};

}  // namespace usdcop::trading
