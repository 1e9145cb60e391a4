#include "trading/signal.hpp"

#include <algorithm>
#include <cmath>

namespace usdcop::trading {

Signal signal_for_action(double action, const SignalThresholds& thresholds) {
  if (std::isnan(action)) return Signal::kHold;
  const double a = std::clamp(action, -1.0, 1.0);
  if (a > thresholds.long_above) return Signal::kLong;
  if (a < thresholds.short_below) return Signal::kShort;
  return Signal::kHold;
}

const char* signal_name(Signal s) {
  switch (s) {
    case Signal::kLong:
      return "LONG";
    case Signal::kShort:
      return "SHORT";
    case Signal::kHold:
      return "HOLD";
  }
  return "HOLD";
}

}  // namespace usdcop::trading
