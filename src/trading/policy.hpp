#pragma once
// A policy maps a normalized observation (the 15-slot contract of spec 02) to one continuous
// action; signal_for_action turns it into a target position. The trained PPO actor
// (MlpPolicy) and the scripted baselines below share this interface, so the backtest, the
// evaluation and live trading call them the same way.
#include <cstdint>
#include <span>
#include <string>

#include "features/contract.hpp"

namespace usdcop::trading {

inline constexpr std::size_t kObservationSize = features::kObservationSize;
using Observation = std::span<const float, kObservationSize>;

class Policy {
 public:
  virtual ~Policy() = default;
  // Deterministic for a given observation (and, for RandomPolicy, the call sequence).
  virtual double act(Observation obs) = 0;
  virtual std::string name() const = 0;
};

// Always flat (action 0 -> HOLD).
class FlatPolicy final : public Policy {
 public:
  double act(Observation) override { return 0.0; }
  std::string name() const override { return "flat"; }
};

// Always long (action 1 -> LONG): buy at the first decision and hold.
class BuyAndHoldPolicy final : public Policy {
 public:
  double act(Observation) override { return 1.0; }
  std::string name() const override { return "buy_and_hold"; }
};

// Uniform actions in [-1, 1] from a seeded SplitMix64 stream (the same on every platform).
class RandomPolicy final : public Policy {
 public:
  explicit RandomPolicy(uint64_t seed) : seed_(seed), state_(seed) {}
  double act(Observation) override {
    state_ += 0x9E3779B97F4A7C15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53 * 2.0 - 1.0;
  }
  std::string name() const override { return "random_s" + std::to_string(seed_); }

 private:
  uint64_t seed_;
  uint64_t state_;
};

}  // namespace usdcop::trading
