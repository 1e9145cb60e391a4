#pragma once
// How the API server runs (docs/API.md): bind address, threads, limits, CORS.
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace usdcop::server {

struct ApiConfig {
  std::string host = "127.0.0.1";  // loopback unless told otherwise (spec 07)
  int port = 8080;                 // 0: any free port (tests, benchmarks)
  // cpp-httplib serves each connection on one pool thread for its whole keep-alive life, so
  // the pool holds the SSE stream cap plus the request workers: 64 streams can never take
  // the threads that answer ordinary requests (docs/API.md).
  int request_threads = 16;
  int max_streams = 64;
  std::size_t max_body_bytes = 1 << 20;   // 1 MiB
  int rate_limit_per_minute = 1000;       // per token, unless the token has its own
  int failed_auth_per_minute = 30;        // per client address
  std::vector<std::string> cors_origins;  // empty: CORS closed (no Access-Control-* headers)
  std::chrono::seconds keep_alive_timeout{5};
  std::size_t keep_alive_max_requests = 100000;
  // Server-Sent Events (docs/API.md): a comment when idle this long; events kept for replay.
  std::chrono::milliseconds sse_heartbeat{15000};
  std::chrono::seconds sse_replay_window{600};
  // Backtest jobs: worker threads, jobs accepted beyond them, and when an open job of another
  // server whose heartbeat stopped counts as interrupted (marked failed at start).
  int backtest_workers = 1;
  int backtest_queue = 4;
  std::chrono::seconds backtest_stale_after{60};

  int thread_pool_size() const { return request_threads + max_streams; }
};

}  // namespace usdcop::server
