#include "adapters/http/circuit_breaker.hpp"

#include <map>

#include "core/error.hpp"

namespace usdcop::adapters {

const char* to_string(CircuitBreaker::State s) {
  switch (s) {
    case CircuitBreaker::State::closed:
      return "closed";
    case CircuitBreaker::State::open:
      return "open";
    case CircuitBreaker::State::half_open:
      return "half-open";
  }
  return "closed";
}

CircuitBreaker::CircuitBreaker(std::string source, CircuitBreakerOptions options,
                               const Clock& clock)
    : source_(std::move(source)), options_(options), clock_(&clock) {
  if (options_.failure_threshold < 1) options_.failure_threshold = 1;
  if (options_.half_open_successes < 1) options_.half_open_successes = 1;
}

void CircuitBreaker::refresh_locked(Timestamp now) const {
  if (state_ == State::open && now >= open_until_) {
    state_ = State::half_open;
    trial_in_flight_ = false;
  }
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard lock(mu_);
  refresh_locked(clock_->now());
  return state_;
}

Timestamp CircuitBreaker::open_until() const {
  std::lock_guard lock(mu_);
  return open_until_;
}

std::string CircuitBreaker::open_message_locked() const {
  if (state_ == State::open) {
    return source_ + " circuit open until " + format_rfc3339(open_until_) + " (after " +
           std::to_string(options_.failure_threshold) + " consecutive failures)";
  }
  return source_ + " circuit half-open: a trial request is already in progress";
}

bool CircuitBreaker::try_acquire() {
  std::lock_guard lock(mu_);
  return try_acquire_locked();
}

bool CircuitBreaker::try_acquire_locked() {
  refresh_locked(clock_->now());
  switch (state_) {
    case State::closed:
      return true;
    case State::open:
      return false;
    case State::half_open:
      if (trial_in_flight_) return false;
      trial_in_flight_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::acquire() {
  std::lock_guard lock(mu_);
  if (try_acquire_locked()) return;
  throw Error(ErrorKind::unavailable, open_message_locked());
}

void CircuitBreaker::record_success() {
  std::lock_guard lock(mu_);
  refresh_locked(clock_->now());
  if (state_ == State::half_open) {
    trial_in_flight_ = false;
    if (++trial_successes_ >= options_.half_open_successes) {
      state_ = State::closed;
      failures_ = 0;
      trial_successes_ = 0;
    }
  } else if (state_ == State::closed) {
    failures_ = 0;
  }
}

void CircuitBreaker::record_failure() {
  std::lock_guard lock(mu_);
  const Timestamp now = clock_->now();
  refresh_locked(now);
  auto open = [&] {
    state_ = State::open;
    open_until_ = now + std::chrono::duration_cast<Timestamp::duration>(options_.open_for);
    failures_ = 0;
    trial_successes_ = 0;
    trial_in_flight_ = false;
  };
  if (state_ == State::half_open) {
    open();
  } else if (state_ == State::closed && ++failures_ >= options_.failure_threshold) {
    open();
  }
}

std::shared_ptr<CircuitBreaker> shared_circuit_breaker(const std::string& source) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<CircuitBreaker>> breakers;
  std::lock_guard lock(mu);
  auto& b = breakers[source];
  if (!b) b = std::make_shared<CircuitBreaker>(source);
  return b;
}

}  // namespace usdcop::adapters
