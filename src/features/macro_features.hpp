#pragma once
// Macro features as of a bar (spec 02): for each variable only the observations with
// available_at <= t count (flagged ones are excluded upstream, see market::MacroSeries).
// Values change once per day, so MacroCursor caches the snapshot until the next availability
// or staleness deadline; the cached values are the same doubles a fresh computation gives.
#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "features/contract.hpp"
#include "market/macro.hpp"
#include "market/macro_catalog.hpp"
#include "market/macro_store.hpp"

namespace usdcop::features {

inline constexpr int kMacroFeatureCount = 7;  // observation slots 6..12
inline constexpr int kFirstMacroSlot = kDxyZ;
inline constexpr int kZscoreWindow = 60;
inline constexpr int kZscoreMinObservations = 20;
inline constexpr double kZscoreClip = 3.0;

// The catalog variables the features read, in this order.
inline constexpr std::array<std::string_view, 7> kMacroVariables = {
    "dxy", "vix", "embi_col", "brent", "ust10y", "ust2y", "usdmxn"};

// Macro slots 6..12 as of one instant. A missing value is NaN and its bit is set
// (bit i = observation slot kFirstMacroSlot + i).
struct MacroSnapshot {
  std::array<double, kMacroFeatureCount> values{};
  uint32_t missing_mask = 0;
};

// z-score of the last value against the window (sample std, clip ±3); NaN with fewer than
// 20 values; 0 when all values are equal.
double macro_zscore(std::span<const double> window);
// x0 / x1 - 1.
inline double macro_change(double x1, double x0) {
  return x0 / x1 - 1.0;
}

// The available daily series of the seven variables, in memory, with per-observation derived
// values computed once (z-score and change after each new observation).
class MacroInputs {
 public:
  MacroInputs() = default;
  // series: by catalog name (missing variables make their features always missing);
  // stale limits from the catalog.
  MacroInputs(const std::map<std::string, market::MacroSeries>& series,
              const market::MacroCatalog& catalog);
  // Loads the seven variables (flagged observations excluded).
  static MacroInputs load(market::MacroStore& store, const market::MacroCatalog& catalog);

  struct Variable {
    std::vector<Timestamp> available_at;  // oldest first
    std::vector<double> values;
    std::vector<double> zscore;  // zscore[i]: with observations 0..i available
    std::vector<double> change;  // change[i]: values[i] / values[i-1] - 1 (NaN for i = 0)
    std::chrono::microseconds stale_after{std::chrono::days{7}};
  };
  const Variable& variable(int v) const { return vars_[static_cast<std::size_t>(v)]; }

 private:
  std::array<Variable, kMacroFeatureCount> vars_;
};

// Fresh computation at t (binary search, windows recomputed): the reference for the cursor.
MacroSnapshot compute_macro_snapshot(const MacroInputs& inputs, Timestamp t);

// Snapshot at non-decreasing times, cached between availability/staleness events. Going
// back in time is allowed (it recomputes).
class MacroCursor {
 public:
  explicit MacroCursor(const MacroInputs& inputs) : inputs_(&inputs) {}
  const MacroSnapshot& at(Timestamp t) {
    if (t >= valid_from_ && t < valid_until_) return snapshot_;
    refresh(t);
    return snapshot_;
  }

 private:
  void refresh(Timestamp t);
  const MacroInputs* inputs_;
  std::array<std::size_t, kMacroFeatureCount> counts_{};  // observations available at valid_from_
  MacroSnapshot snapshot_;
  Timestamp valid_from_ = Timestamp::max();
  Timestamp valid_until_ = Timestamp::min();
};

}  // namespace usdcop::features
