#pragma once
// What the server's long-lived work shares: the cap on open event streams, the signals feed
// (LISTEN) and the backtest job worker. Built once per ApiServer; stop() ends every stream and
// the workers before the HTTP pool shuts down, so shutdown does not wait for a heartbeat.
#include <chrono>

#include "app/services.hpp"
#include "server/api_config.hpp"
#include "server/backtest_job_runner.hpp"
#include "server/event_stream.hpp"
#include "server/signal_feed.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::server {

struct Streams {
  Streams(app::Services& services, const ApiConfig& config)
      : slots(config.max_streams),
        signals(services.pool().url(), config.sse_replay_window),
        jobs(services, {config.backtest_workers, config.backtest_queue, config.sse_replay_window},
             config.backtest_stale_after),
        heartbeat(config.sse_heartbeat) {}
  void stop() {
    signals.stop();
    jobs.stop();
  }

  StreamSlots slots;
  SignalFeed signals;
  BacktestJobRunner jobs;
  std::chrono::milliseconds heartbeat;
};

}  // namespace usdcop::server
