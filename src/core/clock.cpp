#include "core/clock.hpp"

namespace usdcop {

SimulatedClock::SimulatedClock(Timestamp start) : micros_(start.time_since_epoch().count()) {}

Timestamp SimulatedClock::now() const {
  return Timestamp{std::chrono::microseconds{micros_.load(std::memory_order_acquire)}};
}

void SimulatedClock::set(Timestamp t) {
  micros_.store(t.time_since_epoch().count(), std::memory_order_release);
}

void SimulatedClock::advance(std::chrono::microseconds d) {
  micros_.fetch_add(d.count(), std::memory_order_acq_rel);
}

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

std::function<Timestamp()> now_function(const Clock& clock) {
  return [&clock] { return clock.now(); };
}

}  // namespace usdcop
