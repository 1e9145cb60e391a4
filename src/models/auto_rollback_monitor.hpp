#pragma once
// The automatic rollback/pause monitor of spec 05: fed by inference, trade, bar and equity
// events (MonitorEvents, called by the live engine), evaluated every 30 s (check()). Pure and
// clock-injected: the clock and the actions (notify, roll back, pause, kill) are passed in.
//
// Triggers, in priority order (the first firing one acts; one action per check):
//   1. no new bar for 60 min in market hours            -> kill switch
//   2. no new bar for 10 min in market hours            -> pause
//   3. daily drawdown beyond -5 % of start-of-day equity -> pause
//   4. inference error rate > 5 % over 15 min (>= 10 samples)      -> roll back
//   5. inference latency p99 > 2,000 ms over 5 min (>= 10 samples) -> roll back
//   6. >= 10 consecutive losing trades                             -> roll back
// Stopping trading protects capital first; a rollback is pointless while no data arrives.
// Boundaries do not trigger (exactly 5 % errors, exactly 2,000 ms, exactly -5 %).
// Cooldown: for 60 minutes after an action only a more severe action (kill > pause > rollback)
// may act. Every action notifies before acting; a failed rollback (or kill) notifies P0 and
// pauses.
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/time.hpp"

namespace usdcop::models {

// What the live engine reports; every method is cheap and thread-safe.
class MonitorEvents {
 public:
  virtual ~MonitorEvents() = default;
  virtual void on_inference(bool error, double latency_ms) = 0;  // production model, one per bar
  virtual void on_trade_closed(double net_pnl) = 0;
  virtual void on_bar() = 0;                  // a new bar arrived
  virtual void on_equity(double equity) = 0;  // after each bar; the first of a COT day is its start
  virtual void on_model_changed() = 0;        // a promotion or rollback swapped the model
};

struct MonitorSettings {
  std::chrono::minutes error_window{15};
  double max_error_rate = 0.05;
  std::size_t min_samples = 10;
  std::chrono::minutes latency_window{5};
  double max_p99_latency_ms = 2000;
  int max_consecutive_losses = 10;
  double daily_drawdown_limit = -0.05;
  std::chrono::minutes stale_pause_after{10};
  std::chrono::minutes stale_kill_after{60};
  std::chrono::minutes cooldown{60};
};

enum class Trigger {
  no_bar_kill,
  no_bar_pause,
  daily_drawdown,
  inference_error_rate,
  inference_latency,
  consecutive_losses
};
const char* to_string(Trigger t);
enum class MonitorAction { rollback = 1, pause = 2, kill_switch = 3 };  // value = severity
const char* to_string(MonitorAction a);

struct TriggerFiring {
  Trigger trigger;
  MonitorAction action;
  nlohmann::json values;  // the measured values, thresholds and sample counts (audited)
  std::string message;
};

struct Alert {
  std::string severity;  // "P0" | "P1"
  std::string title;
  nlohmann::json details;
};

// What acting means; implemented over the registry and the operations state (store).
// rollback/pause/kill throw on failure.
class MonitorActions {
 public:
  virtual ~MonitorActions() = default;
  virtual void notify(const Alert& alert) = 0;
  virtual void rollback(const TriggerFiring& firing) = 0;
  virtual void pause(const TriggerFiring& firing) = 0;
  virtual void kill(const TriggerFiring& firing) = 0;
};

struct CheckOutcome {
  TriggerFiring firing;
  bool acted = false;               // the action succeeded
  bool fell_back_to_pause = false;  // rollback failed, the system was paused instead
  std::string error;                // why the action failed
};

class AutoRollbackMonitor final : public MonitorEvents {
 public:
  // The clock must outlive the monitor (spec 12: the process's one clock).
  AutoRollbackMonitor(MonitorSettings settings, const Clock& clock, MonitorActions& actions);

  void on_inference(bool error, double latency_ms) override;
  void on_trade_closed(double net_pnl) override;
  void on_bar() override;
  void on_equity(double equity) override;
  void on_model_changed() override;

  // Every trigger firing now, in priority order (no cooldown applied, nothing done).
  std::vector<TriggerFiring> evaluate() const;
  // The periodic check: acts on the first firing trigger the cooldown allows; nullopt when
  // nothing fired or the cooldown held everything back.
  std::optional<CheckOutcome> check();
  // The firing check() would act on now (cooldown applied), without acting: an L5 batch asks
  // it bar by bar to stop before the bar the monitor would act at (docs/LIVE.md).
  std::optional<TriggerFiring> due() const;

  std::optional<Timestamp> last_action_at() const;

 private:
  struct Sample {
    Timestamp at;
    bool error;
    double latency_ms;
  };
  std::vector<TriggerFiring> evaluate_locked(Timestamp now) const;
  std::optional<TriggerFiring> due_locked(Timestamp now) const;
  void prune_locked(Timestamp now);
  void reset_model_windows_locked();

  MonitorSettings settings_;
  const Clock& clock_;
  MonitorActions& actions_;
  mutable std::mutex mutex_;
  std::deque<Sample> samples_;
  int consecutive_losses_ = 0;
  std::optional<Timestamp> last_bar_at_;
  std::optional<Date> equity_day_;
  double day_start_equity_ = 0, last_equity_ = 0;
  std::optional<Timestamp> last_action_at_;
  MonitorAction last_action_ = MonitorAction::rollback;
};

}  // namespace usdcop::models
