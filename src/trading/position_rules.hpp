#pragma once
// The position rules of spec 06 ("When a decision is made") that every driver applies the
// same way: the training environment, the backtest and the live engine (through
// TradingSession). They act on the policy's target before the risk manager reviews it:
//   - flat at session end (risk profile `flat_at_session_end`, or the environment key of the
//     same name in training): at the last session bar (open 12:55 COT) the target is flat, so
//     an open position is closed at that bar's close and no entry is made there;
//   - min hold (`environment.min_hold_bars` of the run's config): an open position may be
//     neither closed nor reversed before it has been held that many bars (opening from flat is
//     always allowed).
// Session-end exits override min hold; so do the risk manager's exits (kill switch), which
// come after these rules.
//
// Start-of-day equity for the daily-loss rule is StartOfDayEquity below: the equity at the
// previous session's last bar close (after its fill); the first session of a run: the
// starting equity.
#include "core/time.hpp"

namespace usdcop::trading {

struct PositionRuleConfig {
  int min_hold_bars = 0;
  bool flat_at_session_end = false;
};

enum class RuleOverride { kNone, kMinHold, kSessionEnd };

struct RuledTarget {
  double target = 0;
  RuleOverride by = RuleOverride::kNone;  // which rule changed the policy's target
};

class PositionRules {
 public:
  explicit PositionRules(PositionRuleConfig config) : config_(config) {}

  // The target at the close of the bar opened at `bar_time`; `current` is the position held
  // into that bar, `target` the policy's (signal units).
  RuledTarget apply(Timestamp bar_time, double current, double target) const;
  // After the bar's fill, whatever decided it (policy, these rules or the risk manager).
  void on_bar_end(double before, double after);
  void reset() { held_bars_ = 0; }

  int held_bars() const { return held_bars_; }
  const PositionRuleConfig& config() const { return config_; }

 private:
  PositionRuleConfig config_;
  int held_bars_ = 0;  // bars the current position has been held (1 after the entry bar)
};

// The bar opened at `t` is the last bar of its session (12:55 COT on a trading day).
bool is_last_session_bar(Timestamp t);

// Start-of-day equity of the daily-loss rule, one function for every driver (spec 12).
class StartOfDayEquity {
 public:
  explicit StartOfDayEquity(double starting_equity) : start_(starting_equity) {}
  // Each bar's equity after its fill, in time order.
  void on_bar_close(Timestamp bar_time, double equity);
  // For a decision on a bar of COT date `day`: the previous session's last close.
  double for_day(Date day) const;

 private:
  double start_;
  bool have_session_ = false;
  Date last_session_day_{};
  double last_session_equity_ = 0;  // last session bar seen, on last_session_day_
  double previous_day_equity_ = 0;  // last session bar of the day before last_session_day_
  bool have_previous_day_ = false;
};

}  // namespace usdcop::trading
