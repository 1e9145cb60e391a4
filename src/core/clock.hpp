#pragma once
// The one clock (spec 12): everything that asks "now" — the monitor, alert rules, market-hours
// checks, staleness, the scheduler, the live engine — asks a Clock it was given. In production
// that is the system clock; in a replay it is the simulated clock the feed advances to each
// bar's close time, so the whole process agrees on one simulated "now"; tests pin it.
#include <atomic>
#include <cstdint>
#include <functional>

#include "core/time.hpp"

namespace usdcop {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
};

// UTC wall-clock time.
class SystemClock final : public Clock {
 public:
  Timestamp now() const override { return now_utc(); }
};

// A clock that only moves when told to; thread-safe (the engine's feed thread sets it while
// other threads read it).
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(Timestamp start);
  Timestamp now() const override;
  void set(Timestamp t);
  void advance(std::chrono::microseconds d);

 private:
  std::atomic<int64_t> micros_;
};

// The process-wide system clock, for code that has no injected clock yet.
const Clock& system_clock();

// Adapts a clock for interfaces that take a callable; the clock must outlive the function.
std::function<Timestamp()> now_function(const Clock& clock);

}  // namespace usdcop
