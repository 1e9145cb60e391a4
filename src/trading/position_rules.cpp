#include "trading/position_rules.hpp"

#include "core/calendar.hpp"

namespace usdcop::trading {

bool is_last_session_bar(Timestamp t) {
  const auto i = bar_index(t);
  return i && *i == kBarsPerSession - 1 && is_session_bar(t);
}

RuledTarget PositionRules::apply(Timestamp bar_time, double current, double target) const {
  if (config_.flat_at_session_end && is_last_session_bar(bar_time))
    return {0.0, target != 0 || current != 0 ? RuleOverride::kSessionEnd : RuleOverride::kNone};
  if (current != 0 && target != current && held_bars_ < config_.min_hold_bars)
    return {current, RuleOverride::kMinHold};
  return {target, RuleOverride::kNone};
}

void PositionRules::on_bar_end(double before, double after) {
  held_bars_ = after == before ? held_bars_ + 1 : 1;
}

void StartOfDayEquity::on_bar_close(Timestamp bar_time, double equity) {
  if (!is_session_bar(bar_time)) return;
  const Date d = cot_date(bar_time);
  if (have_session_ && d != last_session_day_) {
    previous_day_equity_ = last_session_equity_;
    have_previous_day_ = true;
  }
  have_session_ = true;
  last_session_day_ = d;
  last_session_equity_ = equity;
}

double StartOfDayEquity::for_day(Date day) const {
  if (!have_session_) return start_;
  if (day != last_session_day_) return last_session_equity_;  // a new day: the last session
  return have_previous_day_ ? previous_day_equity_ : start_;
}

}  // namespace usdcop::trading
