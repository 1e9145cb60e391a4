#pragma once
// The canonical incremental feature builder (spec 02): a state that consumes one bar and the
// macro snapshot as of that bar and returns the observation vector. A batch build is a fold
// of the same update (build_features); the state can be checkpointed and restored exactly.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "features/contract.hpp"
#include "features/feature_row.hpp"
#include "features/macro_features.hpp"
#include "market/bar.hpp"

namespace usdcop::features {

inline constexpr int kWarmupBars = 59;            // vectors of bars 0..58 are never complete
inline constexpr uint32_t kWarmupBit = 1u << 15;  // in FeatureVector::missing_mask

struct FeatureVector {
  Timestamp time;
  // Observation order; the position slot is 0 here (the caller injects it); missing values
  // are NaN.
  std::array<double, kObservationSize> values{};
  bool complete = false;
  // Bit i: observation slot i is missing; kWarmupBit: inside the warm-up.
  uint32_t missing_mask = 0;

  std::array<double, kMarketFeatureCount> market() const;
  std::vector<std::string> missing() const;  // names in contract order, then "warmup"
  FeatureRow to_row() const;
};

class FeatureBuilder {
 public:
  // Bars must come in strictly increasing time (Error(invalid_input) otherwise).
  FeatureVector update(const market::Bar& bar, const MacroSnapshot& macro);

  int64_t bar_count() const { return count_; }
  std::optional<Timestamp> last_time() const;

  // Exact text form of the state (JSON, shortest round-trip numbers).
  std::string serialize() const;
  // Throws Error(invalid_input) on a malformed state, Error(integrity) on another version.
  static FeatureBuilder restore(const std::string& text);

  bool operator==(const FeatureBuilder&) const = default;

 private:
  // One bar's true range, gain/loss and directional moves (spec 02). These three are inline
  // (feature_builder.cpp only): update() is the hot loop of every build and replay.
  struct Moves {
    double tr = 0, gain = 0, loss = 0, plus_dm = 0, minus_dm = 0;
  };
  Moves moves(const market::Bar& bar) const;
  void smooth(const Moves& m);  // advances the Wilder averages (seeded by the first bar)
  // RSI, ATR% and ADX into v; returns the missing-feature bits.
  uint32_t oscillators(std::array<double, kObservationSize>& v, double close);

  static constexpr int kRing = 64;  // > 48: holds C_{t-48}
  int64_t count_ = 0;               // bars consumed
  Timestamp last_time_{};
  double prev_high_ = 0, prev_low_ = 0;
  std::array<double, kRing> closes_{};                 // closes_[i & 63] = close of bar i
  double avg_gain_ = 0, avg_loss_ = 0;                 // W_9
  double atr10_ = 0;                                   // W_10(TR)
  double atr14_ = 0, plus_dm14_ = 0, minus_dm14_ = 0;  // W_14
  double adx_ = 0;
  bool adx_seeded_ = false;
};

// Fold of FeatureBuilder::update over bars (oldest first) with a MacroCursor.
std::vector<FeatureVector> build_features(std::span<const market::Bar> bars,
                                          const MacroInputs& macro);

}  // namespace usdcop::features
