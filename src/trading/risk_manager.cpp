#include "trading/risk_manager.hpp"

#include <algorithm>
#include <cmath>

#include "core/calendar.hpp"

namespace usdcop::trading {
namespace {

int sign(double x) {
  return (x > 0) - (x < 0);
}

// True when moving from `current` to `target` opens or enlarges exposure.
bool is_entry(double current, double target) {
  if (target == 0) return false;
  if (sign(target) != sign(current)) return true;
  return std::fabs(target) > std::fabs(current);
}

// The exit part of a move: towards flat only.
double exit_only(double current, double target) {
  if (sign(target) != sign(current)) return 0.0;  // reversal or entry from flat -> flat
  return std::fabs(target) < std::fabs(current) ? target : current;
}

}  // namespace

nlohmann::json to_json(const RiskEvent& e) {
  return {{"time", format_rfc3339(e.time)},
          {"rule", e.rule},
          {"action", e.action},
          {"details", e.details}};
}

RiskManager::RiskManager(RiskProfile profile, const OperationsModeView& mode)
    : profile_(std::move(profile)), mode_(mode) {}

void RiskManager::record(Timestamp t, std::string rule, std::string action,
                         nlohmann::json details) {
  events_.push_back({t, std::move(rule), std::move(action), std::move(details)});
}

std::vector<RiskEvent> RiskManager::take_events() {
  std::vector<RiskEvent> out;
  out.swap(events_);
  return out;
}

void RiskManager::roll_day(Timestamp bar_time) {
  const Date d = cot_date(bar_time);
  if (started_ && d == day_) return;
  // Start-of-day equity: the previous session's last bar close (spec 06, spec 12).
  day_start_equity_ = start_of_day_.for_day(d);
  day_ = d;
  daily_paused_ = false;
  trades_today_ = 0;
}

bool RiskManager::kill_switch(Timestamp bar_time, double equity, double current, double target,
                              RiskDecision& d) {
  const double drawdown = peak_ > 0 ? equity / peak_ - 1.0 : 0.0;
  if (!killed_ && drawdown <= profile_.max_drawdown_pct) {
    killed_ = true;
    record(bar_time, "max_drawdown", "close_positions",
           {{"drawdown", drawdown},
            {"limit", profile_.max_drawdown_pct},
            {"equity", equity},
            {"peak", peak_}});
  }
  if (!killed_) return false;
  d.position = 0;
  d.forced_exit = current != 0;
  d.vetoed = target != 0;
  if (target != 0 && current == 0)
    record(bar_time, "kill_switch_active", "refuse", {{"current", current}, {"target", target}});
  return true;
}

double RiskManager::gate_entry(Timestamp bar_time, OperationsMode mode, double day_return,
                               bool cooling, double current, double target, double wanted) {
  if (!is_entry(current, wanted)) return wanted;
  std::string rule;
  nlohmann::json details = {{"current", current}, {"target", target}};
  if (mode == OperationsMode::kPaused) {
    rule = "mode_paused";
    details["mode"] = "PAUSED";
  } else if (daily_paused_) {
    rule = "daily_loss";
    details["day_return"] = day_return;
    details["limit"] = profile_.daily_loss_pct;
  } else if (trades_today_ >= profile_.max_trades_per_day) {
    rule = "max_trades_per_day";
    details["trades_today"] = trades_today_;
    details["limit"] = profile_.max_trades_per_day;
  } else if (cooling) {
    rule = "loss_streak_cooldown";
    details["cooldown_bars_left"] = cooldown_ + 1;
  }
  if (rule.empty()) {
    ++trades_today_;
    return wanted;
  }
  record(bar_time, rule, "refuse_entry", details);
  return exit_only(current, wanted);
}

RiskDecision RiskManager::review(Timestamp bar_time, double equity, double current, double target) {
  if (!started_) {
    start_of_day_ = StartOfDayEquity(equity);  // the first session of a run: its starting equity
    peak_ = equity;
  }
  roll_day(bar_time);
  started_ = true;
  peak_ = std::max(peak_, equity);
  const bool cooling = cooldown_ > 0;
  if (cooling) --cooldown_;

  RiskDecision d{current, false, false};
  const OperationsMode mode = mode_.current();
  if (mode == OperationsMode::kKilled) {
    if (target != current)
      record(bar_time, "mode_killed", "refuse",
             {{"mode", "KILLED"}, {"current", current}, {"target", target}});
    d.vetoed = target != current;
    return d;
  }
  if (kill_switch(bar_time, equity, current, target, d)) return d;

  if (!profile_.allow_outside_market_hours && !is_market_open(bar_time)) {
    if (target != current) {
      record(bar_time, "market_hours", "refuse",
             {{"time_cot", format_cot(bar_time)}, {"current", current}, {"target", target}});
      d.vetoed = true;
    }
    return d;
  }

  double wanted = target;
  if (std::fabs(wanted) > profile_.max_position) {
    wanted = profile_.max_position * sign(wanted);
    record(bar_time, "max_position", "clamp",
           {{"target", target}, {"limit", profile_.max_position}});
  }

  const double day_return = day_start_equity_ > 0 ? equity / day_start_equity_ - 1.0 : 0.0;
  if (!daily_paused_ && day_return <= profile_.daily_loss_pct) {
    daily_paused_ = true;
    record(bar_time, "daily_loss", "pause",
           {{"day_return", day_return},
            {"limit", profile_.daily_loss_pct},
            {"start_of_day_equity", day_start_equity_},
            {"equity", equity}});
  }
  wanted = gate_entry(bar_time, mode, day_return, cooling, current, target, wanted);
  d.vetoed = wanted != target;
  d.position = wanted;
  return d;
}

void RiskManager::on_trade_closed(const Trade& trade, Timestamp bar_time) {
  if (trade.net_pnl < 0) {
    ++loss_streak_;
  } else {
    loss_streak_ = 0;
  }
  if (loss_streak_ >= profile_.max_consecutive_losses) {
    record(bar_time, "loss_streak", "cooldown",
           {{"consecutive_losses", loss_streak_},
            {"limit", profile_.max_consecutive_losses},
            {"cooldown_bars", profile_.cooldown_bars}});
    cooldown_ = profile_.cooldown_bars;
    loss_streak_ = 0;
  }
}

}  // namespace usdcop::trading
