#pragma once
// A usdcop::Clock that reads a Timestamp the test owns and moves (`now += 5min`), so tests keep
// their arithmetic on a plain variable while the code under test asks the one Clock interface.
#include "core/clock.hpp"

namespace usdcop::testing {

class ReferenceClock final : public Clock {
 public:
  explicit ReferenceClock(const Timestamp& now) : now_(now) {}
  Timestamp now() const override { return now_; }

 private:
  const Timestamp& now_;
};

}  // namespace usdcop::testing
