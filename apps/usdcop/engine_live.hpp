#pragma once
// `usdcop engine` live (no --replay): the leader lock on the LISTEN session, the catch-ups on
// notifications, on the tick and, while the LISTEN session is not known to work (its circuit
// breaker open or half-open), on a short poll; the heartbeat the engine sends and listens to.
#include <atomic>
#include <chrono>
#include <string>

#include "engine_feed.hpp"
#include "live/engine.hpp"
#include "live/engine_metrics.hpp"
#include "live/listen_health.hpp"
#include "models/auto_rollback_monitor.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::cli {

struct LiveLoopOptions {
  std::string holder;                      // host:pid, the heartbeat's instance
  std::chrono::milliseconds tick{30'000};  // catch-up, monitor check, standby's lock retry
  std::chrono::milliseconds poll{1'000};   // catch-up while the LISTEN breaker is not closed
  live::ListenHealthOptions health;        // breaker thresholds, heartbeat interval
  bool monitor = true;
  EngineFeed* feed = nullptr;  // the polling feed the leader runs (none: other writers insert)
};

// Runs until `stop` is set. Lost database: retried; another engine's epoch: stands by.
void run_live(live::Engine& engine, models::AutoRollbackMonitor& monitor,
              store::ConnectionPool& pool, live::EngineMetrics& metrics,
              const LiveLoopOptions& options, const std::atomic<bool>& stop);

}  // namespace usdcop::cli
