#pragma once
// A 5-minute USD/COP bar, keyed by its open time in UTC.
#include <string>

#include "core/time.hpp"

namespace usdcop::market {

struct Bar {
  Timestamp time;
  double open = 0, high = 0, low = 0, close = 0, volume = 0;

  bool same_values(const Bar& o) const {
    return open == o.open && high == o.high && low == o.low && close == o.close &&
           volume == o.volume;
  }
  bool is_flat() const { return open == high && high == low && low == close; }
};

}  // namespace usdcop::market
