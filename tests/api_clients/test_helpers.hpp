#pragma once
// Small fakes for what the clients take as injected functions: a sleep that records the
// requested delays instead of waiting, and a clock moved by hand.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/time.hpp"
#include "market/retry_policy.hpp"

namespace usdcop::testing {

struct RecordedSleeps {
  std::mutex mu;
  std::vector<std::chrono::milliseconds> delays;

  market::RetryPolicy::Sleep fn() {
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

struct ManualClock {
  Timestamp now = from_unix_seconds(1704200400);  // 2024-01-02T13:00:00Z
  std::function<Timestamp()> fn() {
    return [this] { return now; };
  }
  void advance(std::chrono::seconds s) { now += s; }
};

}  // namespace usdcop::testing
