#include "models/auto_rollback_monitor.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/calendar.hpp"

namespace usdcop::models {

namespace {

double minutes_between(Timestamp from, Timestamp to) {
  return std::chrono::duration<double, std::ratio<60>>(to - from).count();
}

std::string fixed(double v, int digits) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(digits);
  os << v;
  return os.str();
}

// Nearest-rank p99: the smallest value with at least 99 % of the samples at or below it.
double p99(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(values.size())));
  return values[std::max<std::size_t>(rank, 1) - 1];
}

}  // namespace

const char* to_string(Trigger t) {
  switch (t) {
    case Trigger::no_bar_kill:
      return "no_bar_60min";
    case Trigger::no_bar_pause:
      return "no_bar_10min";
    case Trigger::daily_drawdown:
      return "daily_drawdown";
    case Trigger::inference_error_rate:
      return "inference_error_rate";
    case Trigger::inference_latency:
      return "inference_latency_p99";
    case Trigger::consecutive_losses:
      return "consecutive_losing_trades";
  }
  return "?";
}

const char* to_string(MonitorAction a) {
  switch (a) {
    case MonitorAction::rollback:
      return "rollback";
    case MonitorAction::pause:
      return "pause";
    case MonitorAction::kill_switch:
      return "kill_switch";
  }
  return "?";
}

AutoRollbackMonitor::AutoRollbackMonitor(MonitorSettings settings, const Clock& clock,
                                         MonitorActions& actions)
    : settings_(settings), clock_(clock), actions_(actions) {}

void AutoRollbackMonitor::on_inference(bool error, double latency_ms) {
  const Timestamp now = clock_.now();
  std::lock_guard lock(mutex_);
  samples_.push_back({now, error, latency_ms});
  prune_locked(now);
}

void AutoRollbackMonitor::on_trade_closed(double net_pnl) {
  std::lock_guard lock(mutex_);
  consecutive_losses_ = net_pnl < 0 ? consecutive_losses_ + 1 : 0;
}

void AutoRollbackMonitor::on_bar() {
  const Timestamp now = clock_.now();
  std::lock_guard lock(mutex_);
  last_bar_at_ = now;
}

void AutoRollbackMonitor::on_equity(double equity) {
  const Date day = cot_date(clock_.now());
  std::lock_guard lock(mutex_);
  if (!equity_day_ || *equity_day_ != day) {
    equity_day_ = day;
    day_start_equity_ = equity;
  }
  last_equity_ = equity;
}

void AutoRollbackMonitor::on_model_changed() {
  std::lock_guard lock(mutex_);
  reset_model_windows_locked();
}

void AutoRollbackMonitor::reset_model_windows_locked() {
  samples_.clear();
  consecutive_losses_ = 0;
}

void AutoRollbackMonitor::prune_locked(Timestamp now) {
  const auto keep = std::max(settings_.error_window, settings_.latency_window);
  while (!samples_.empty() && samples_.front().at < now - keep) samples_.pop_front();
}

std::vector<TriggerFiring> AutoRollbackMonitor::evaluate() const {
  const Timestamp now = clock_.now();
  std::lock_guard lock(mutex_);
  return evaluate_locked(now);
}

std::vector<TriggerFiring> AutoRollbackMonitor::evaluate_locked(Timestamp now) const {
  std::vector<TriggerFiring> out;
  // Stale data: only in market hours, counted from the later of the last bar and today's open.
  if (is_market_open(now)) {
    const auto bars = session_bar_times(cot_date(now));
    Timestamp since = bars.empty() ? now : bars.front();
    if (last_bar_at_ && *last_bar_at_ > since) since = *last_bar_at_;
    const double stale_min = minutes_between(since, now);
    nlohmann::json values{
        {"minutes_without_bar", stale_min},
        {"last_bar_at", last_bar_at_ ? nlohmann::json(format_rfc3339(*last_bar_at_)) : nullptr}};
    if (now - since >= settings_.stale_kill_after) {
      values["threshold_minutes"] = settings_.stale_kill_after.count();
      out.push_back({Trigger::no_bar_kill, MonitorAction::kill_switch, values,
                     "no new bar for " + fixed(stale_min, 1) + " min in market hours"});
    } else if (now - since >= settings_.stale_pause_after) {
      values["threshold_minutes"] = settings_.stale_pause_after.count();
      out.push_back({Trigger::no_bar_pause, MonitorAction::pause, values,
                     "no new bar for " + fixed(stale_min, 1) + " min in market hours"});
    }
  }
  if (equity_day_ && *equity_day_ == cot_date(now) && day_start_equity_ > 0) {
    const double drawdown = (last_equity_ - day_start_equity_) / day_start_equity_;
    if (drawdown < settings_.daily_drawdown_limit) {
      out.push_back({Trigger::daily_drawdown,
                     MonitorAction::pause,
                     {{"daily_drawdown", drawdown},
                      {"threshold", settings_.daily_drawdown_limit},
                      {"start_of_day_equity", day_start_equity_},
                      {"equity", last_equity_}},
                     "daily drawdown " + fixed(drawdown * 100, 2) + " % beyond " +
                         fixed(settings_.daily_drawdown_limit * 100, 2) + " %"});
    }
  }
  std::size_t n_err = 0, errors = 0;
  std::vector<double> latencies;
  for (const auto& s : samples_) {
    if (s.at >= now - settings_.error_window) {
      ++n_err;
      if (s.error) ++errors;
    }
    if (s.at >= now - settings_.latency_window) latencies.push_back(s.latency_ms);
  }
  if (n_err >= settings_.min_samples) {
    const double rate = static_cast<double>(errors) / static_cast<double>(n_err);
    if (rate > settings_.max_error_rate) {
      out.push_back({Trigger::inference_error_rate,
                     MonitorAction::rollback,
                     {{"error_rate", rate},
                      {"threshold", settings_.max_error_rate},
                      {"errors", errors},
                      {"samples", n_err},
                      {"window_minutes", settings_.error_window.count()}},
                     "inference error rate " + fixed(rate * 100, 1) + " % over " +
                         std::to_string(settings_.error_window.count()) + " min"});
    }
  }
  if (latencies.size() >= settings_.min_samples) {
    const double p = p99(latencies);
    if (p > settings_.max_p99_latency_ms) {
      out.push_back({Trigger::inference_latency,
                     MonitorAction::rollback,
                     {{"p99_latency_ms", p},
                      {"threshold_ms", settings_.max_p99_latency_ms},
                      {"samples", latencies.size()},
                      {"window_minutes", settings_.latency_window.count()}},
                     "inference latency p99 " + fixed(p, 0) + " ms over " +
                         std::to_string(settings_.latency_window.count()) + " min"});
    }
  }
  if (consecutive_losses_ >= settings_.max_consecutive_losses) {
    out.push_back({Trigger::consecutive_losses,
                   MonitorAction::rollback,
                   {{"consecutive_losing_trades", consecutive_losses_},
                    {"threshold", settings_.max_consecutive_losses}},
                   std::to_string(consecutive_losses_) + " consecutive losing trades"});
  }
  return out;
}

std::optional<TriggerFiring> AutoRollbackMonitor::due_locked(Timestamp now) const {
  const bool cooling = last_action_at_ && now - *last_action_at_ < settings_.cooldown;
  for (auto& f : evaluate_locked(now)) {
    if (cooling && static_cast<int>(f.action) <= static_cast<int>(last_action_)) continue;
    return std::move(f);
  }
  return std::nullopt;
}

std::optional<TriggerFiring> AutoRollbackMonitor::due() const {
  const Timestamp now = clock_.now();
  std::lock_guard lock(mutex_);
  return due_locked(now);
}

std::optional<CheckOutcome> AutoRollbackMonitor::check() {
  const Timestamp now = clock_.now();
  std::optional<TriggerFiring> chosen;
  {
    std::lock_guard lock(mutex_);
    prune_locked(now);
    chosen = due_locked(now);
    if (!chosen) return std::nullopt;
    // Claimed before acting, so a concurrent check cannot act twice.
    last_action_at_ = now;
    last_action_ = chosen->action;
  }
  CheckOutcome outcome{*chosen, false, false, ""};
  nlohmann::json details{{"trigger", to_string(chosen->trigger)},
                         {"action", to_string(chosen->action)},
                         {"values", chosen->values},
                         {"at", format_rfc3339(now)}};
  const std::string severity = chosen->action == MonitorAction::rollback ? "P1" : "P0";
  try {
    actions_.notify({severity,
                     std::string("automatic ") + to_string(chosen->action) + ": " + chosen->message,
                     details});
    switch (chosen->action) {
      case MonitorAction::rollback:
        actions_.rollback(*chosen);
        break;
      case MonitorAction::pause:
        actions_.pause(*chosen);
        break;
      case MonitorAction::kill_switch:
        actions_.kill(*chosen);
        break;
    }
    outcome.acted = true;
    if (chosen->action == MonitorAction::rollback) {
      std::lock_guard lock(mutex_);
      reset_model_windows_locked();
    }
  } catch (const std::exception& e) {
    outcome.error = e.what();
    details["error"] = e.what();
    // A failed automatic action must leave the system not trading.
    try {
      actions_.notify({"P0",
                       std::string("automatic ") + to_string(chosen->action) +
                           " failed: " + e.what() + "; pausing trading",
                       details});
    } catch (const std::exception&) {
    }
    if (chosen->action != MonitorAction::pause) {
      try {
        TriggerFiring fallback = *chosen;
        fallback.action = MonitorAction::pause;
        fallback.values["failed_action"] = to_string(chosen->action);
        fallback.values["error"] = e.what();
        fallback.message =
            std::string("automatic ") + to_string(chosen->action) + " failed: " + e.what();
        actions_.pause(fallback);
        outcome.fell_back_to_pause = true;
        std::lock_guard lock(mutex_);
        last_action_ = MonitorAction::pause;
      } catch (const std::exception& e2) {
        try {
          actions_.notify(
              {"P0",
               std::string("pausing after a failed automatic action failed too: ") + e2.what(),
               details});
        } catch (const std::exception&) {
        }
      }
    }
  }
  return outcome;
}

std::optional<Timestamp> AutoRollbackMonitor::last_action_at() const {
  std::lock_guard lock(mutex_);
  return last_action_at_;
}

}  // namespace usdcop::models
