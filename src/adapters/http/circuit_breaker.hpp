#pragma once
// A circuit breaker per data source (spec 01). Closed: calls pass; 3 consecutive failures open
// it. Open: calls fail fast with Error(unavailable, "<source> circuit open until <time>") and
// never reach the network. After 300 s it is half-open: one trial call at a time; 2 consecutive
// successful trials close it, a failed trial opens it again for another 300 s. The clock is
// injected (tests move time by hand). State lives in memory only.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.hpp"
#include "core/time.hpp"

namespace usdcop::adapters {

struct CircuitBreakerOptions {
  int failure_threshold = 3;           // consecutive failures that open the breaker
  std::chrono::seconds open_for{300};  // how long it stays open before half-open
  int half_open_successes = 2;         // consecutive trial successes that close it
};

class CircuitBreaker {
 public:
  enum class State { closed, open, half_open };

  // The clock must outlive the breaker.
  explicit CircuitBreaker(std::string source, CircuitBreakerOptions options = {},
                          const Clock& clock = system_clock());

  const std::string& source() const { return source_; }
  State state() const;           // open turns half-open here once open_for has passed
  Timestamp open_until() const;  // meaningful while open

  // Permission for one call. Throws Error(unavailable) while open, or while half-open with a
  // trial already in flight. Every successful acquire() must be followed by exactly one
  // record_success() or record_failure().
  void acquire();
  bool try_acquire();  // the same without throwing
  void record_success();
  void record_failure();

 private:
  void refresh_locked(Timestamp now) const;
  bool try_acquire_locked();
  std::string open_message_locked() const;

  std::string source_;
  CircuitBreakerOptions options_;
  const Clock* clock_;
  mutable std::mutex mu_;
  mutable State state_ = State::closed;
  int failures_ = 0;         // consecutive, while closed
  int trial_successes_ = 0;  // consecutive, while half-open
  mutable bool trial_in_flight_ = false;
  Timestamp open_until_{};
};

const char* to_string(CircuitBreaker::State s);

// The process-wide breaker of a source ("twelvedata", "fred"), created on first use with the
// default options and the real clock.
std::shared_ptr<CircuitBreaker> shared_circuit_breaker(const std::string& source);

}  // namespace usdcop::adapters
