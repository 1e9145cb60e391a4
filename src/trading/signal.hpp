#pragma once
// Signal mapping (spec 03, 06): the policy's continuous action becomes a target position.
// The same function is used by the training environment, the backtest and the live engine.
namespace usdcop::trading {

enum class Signal : int { kShort = -1, kHold = 0, kLong = 1 };

struct SignalThresholds {
  double long_above = 0.33;    // a > long_above  -> LONG
  double short_below = -0.33;  // a < short_below -> SHORT; otherwise HOLD (flat)
};

// Clips the action to [-1, 1] first; a NaN action is HOLD (fail closed).
Signal signal_for_action(double action, const SignalThresholds& thresholds = {});

inline int target_position(Signal s) {
  return static_cast<int>(s);
}

const char* signal_name(Signal s);  // "LONG" | "SHORT" | "HOLD"

}  // namespace usdcop::trading
