#include "features/drift.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace usdcop::features {

std::array<double, kPsiBins> bin_proportions(const PsiReference& reference,
                                             std::span<const double> values) {
  std::array<double, kPsiBins> out{};
  if (values.empty()) return out;
  for (const double x : values) out[static_cast<std::size_t>(psi_bin(reference, x))] += 1.0;
  for (auto& p : out) p /= static_cast<double>(values.size());
  return out;
}

double population_stability_index(const PsiReference& reference, std::span<const double> values) {
  if (values.empty()) throw std::invalid_argument("population_stability_index: no values");
  for (const double x : values)
    if (!std::isfinite(x))
      throw std::invalid_argument("population_stability_index: non-finite value");
  const auto live = bin_proportions(reference, values);
  double psi = 0;
  for (std::size_t k = 0; k < live.size(); ++k) {
    const double p_live = std::max(live[k], kPsiProportionFloor);
    const double p_ref = std::max(reference.proportions[k], kPsiProportionFloor);
    psi += (p_live - p_ref) * std::log(p_live / p_ref);
  }
  return psi;
}

std::vector<FeatureDrift> market_feature_drift(
    const NormStats& reference, std::span<const std::array<double, kMarketFeatureCount>> rows,
    double threshold) {
  std::vector<FeatureDrift> out;
  std::vector<double> column(rows.size());
  for (int f = 0; f < kMarketFeatureCount; ++f) {
    const auto i = static_cast<std::size_t>(f);
    for (std::size_t r = 0; r < rows.size(); ++r) column[r] = rows[r][i];
    const double psi = population_stability_index(reference.psi[i], column);
    out.push_back({std::string(kFeatureNames[i]), psi, psi > threshold});
  }
  return out;
}

}  // namespace usdcop::features
