#pragma once
// Small fakes for what the clients take as injected functions: a sleep that records the
// requested delays instead of waiting, and the start of the
// clocks moved by hand.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "adapters/http/retry_policy.hpp"
#include "core/clock.hpp"
#include "core/time.hpp"

namespace usdcop::testing {

struct RecordedSleeps {
  std::mutex mu;
  std::vector<std::chrono::milliseconds> delays;

  adapters::RetryPolicy::Sleep fn() {
    return [this](std::chrono::milliseconds d) {
      std::lock_guard lock(mu);
      delays.push_back(d);
    };
  }
  std::vector<long> millis() {
    std::lock_guard lock(mu);
    std::vector<long> out;
    for (auto d : delays) out.push_back(static_cast<long>(d.count()));
    return out;
  }
};

// Where the hand-moved clocks of these tests (usdcop::SimulatedClock) start.
inline Timestamp clock_start() {
  return from_unix_seconds(1704200400);  // 2024-01-02T13:00:00Z
}

}  // namespace usdcop::testing
