#pragma once
// The feature store's storage circuit breaker (spec 10): when more than 10 % of the storage
// calls of the last minute failed (Error(unavailable)), further calls fail fast for a while
// instead of piling onto a sick database; the API maps that Error(unavailable) to 503.
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

#include "core/clock.hpp"
#include "core/time.hpp"

namespace usdcop::fstore {

struct StorageBreakerOptions {
  std::chrono::seconds window{60};
  double max_error_rate = 0.10;  // open when the rate over the window exceeds this
  int min_calls = 10;            // no verdict on fewer calls in the window
  std::chrono::seconds open_for{30};
};

class StorageBreaker {
 public:
  // The clock must outlive the breaker.
  explicit StorageBreaker(const Clock& clock, StorageBreakerOptions options = {});

  // Throws Error(unavailable) while open. After open_for the window starts afresh.
  void before_call();
  void record(bool ok);
  bool is_open() const;
  double error_rate() const;  // over the current window

 private:
  void prune_locked(Timestamp now) const;
  const Clock& clock_;
  StorageBreakerOptions options_;
  mutable std::mutex mu_;
  mutable std::deque<std::pair<Timestamp, bool>> calls_;
  Timestamp open_until_{};
  bool open_ = false;
};

}  // namespace usdcop::fstore
