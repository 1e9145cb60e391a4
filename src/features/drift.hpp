#pragma once
// Feature drift (spec 08 "Drift"): the population stability index of one market feature between
// the model's training reference (the decile bins of norm_stats.json, PsiReference) and the
// values of a live window: PSI = sum over bins of (p_live - p_ref) * ln(p_live / p_ref), both
// proportions floored at 1e-4 so that an empty bin counts as rare, not as infinitely surprising.
#include <array>
#include <span>
#include <string>
#include <vector>

#include "features/contract.hpp"
#include "features/norm_stats.hpp"

namespace usdcop::features {

inline constexpr double kPsiProportionFloor = 1e-4;
inline constexpr double kDriftThreshold = 0.2;  // spec 08: drifted above this
inline constexpr int kDriftWindowBars = 300;    // one trading week of complete bars

// Proportion of `values` in each reference bin (psi_bin); all zero when `values` is empty.
std::array<double, kPsiBins> bin_proportions(const PsiReference& reference,
                                             std::span<const double> values);

// PSI of `values` against `reference`. Throws std::invalid_argument when `values` is empty or
// holds a non-finite number (callers pass complete rows only).
double population_stability_index(const PsiReference& reference, std::span<const double> values);

struct FeatureDrift {
  std::string feature;  // contract name, e.g. "rsi_9"
  double psi = 0;
  bool drifted = false;  // psi > threshold
};

// PSI of each of the 13 market features of `rows` (complete market vectors, oldest first)
// against the model's references, in contract order.
std::vector<FeatureDrift> market_feature_drift(
    const NormStats& reference, std::span<const std::array<double, kMarketFeatureCount>> rows,
    double threshold = kDriftThreshold);

}  // namespace usdcop::features
