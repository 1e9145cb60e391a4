#pragma once
// How long-running use cases report progress without printing: the door passes an observer
// (the CLI draws a bar on stderr; the HTTP server will publish events). Every method has a
// no-op default, so an observer overrides only what it shows.
#include <string>

#include "backtest/metrics.hpp"
#include "learn/ppo_trainer.hpp"
#include "trading/trade.hpp"

namespace usdcop::app {

class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  // A run left `running` by a process that no longer exists was marked interrupted.
  virtual void stale_run_marked(const std::string& /*run_id*/) {}
  // The PPO loop starts (the run is recorded as running) and ends (completed, interrupted or
  // failed): a door installs its stop signals between the two.
  virtual void training_started(std::int64_t /*total_steps*/, std::int64_t /*start_steps*/) {}
  virtual void training_ended(bool /*failed*/) {}
  // Every rollout's statistics.
  virtual void update(const learn::UpdateLog& /*log*/) {}
};

// Bars replayed so far (backtest, evaluation): done of total; and, for a backtest, each
// closed trade and each equity point as the replay makes them (the result's own values).
class ReplayObserver {
 public:
  virtual ~ReplayObserver() = default;
  virtual void bars_done(long /*done*/, long /*total*/) {}
  virtual void trade_closed(const trading::Trade& /*trade*/) {}
  virtual void equity_marked(const backtest::EquityPoint& /*point*/) {}
};

}  // namespace usdcop::app
