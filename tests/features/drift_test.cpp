// PSI of spec 08 against hand-computed values: identical distributions give 0, a shifted one
// the closed form with the 1e-4 floor, and the 13 market features are reported by name.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "features/drift.hpp"

using namespace usdcop::features;

namespace {

// Edges 1..9, each bin 10 %: values 0.5, 1.5, ..., 9.5 fall one per bin.
PsiReference uniform_reference() {
  PsiReference ref;
  for (int k = 0; k < kPsiEdges; ++k) ref.edges[static_cast<std::size_t>(k)] = k + 1.0;
  ref.proportions.fill(0.1);
  return ref;
}

}  // namespace

TEST(Drift, SameDistributionHasZeroPsi) {
  std::vector<double> live;
  for (int i = 0; i < 100; ++i) live.push_back(0.5 + i % 10);
  EXPECT_NEAR(population_stability_index(uniform_reference(), live), 0.0, 1e-15);
  const auto p = bin_proportions(uniform_reference(), live);
  for (const double x : p) EXPECT_DOUBLE_EQ(x, 0.1);
}

TEST(Drift, EverythingInOneBinGivesTheFlooredClosedForm) {
  const std::vector<double> live(50, 100.0);  // all above the last edge: bin 9
  // bin 9: (1 - 0.1) ln(1 / 0.1); bins 0..8: (1e-4 - 0.1) ln(1e-4 / 0.1)
  const double expected = 0.9 * std::log(10.0) + 9 * (1e-4 - 0.1) * std::log(1e-4 / 0.1);
  EXPECT_NEAR(population_stability_index(uniform_reference(), live), expected, 1e-12);
  EXPECT_GT(expected, kDriftThreshold);
}

TEST(Drift, EmptyReferenceBinIsFlooredNotInfinite) {
  auto ref = uniform_reference();
  ref.proportions = {0.2, 0.2, 0.2, 0.2, 0.2, 0, 0, 0, 0, 0};
  const std::vector<double> live = {7.5, 7.5};  // bin 7, empty in the reference
  const double psi = population_stability_index(ref, live);
  EXPECT_TRUE(std::isfinite(psi));
  const double expected = 5 * (1e-4 - 0.2) * std::log(1e-4 / 0.2) + (1 - 1e-4) * std::log(1 / 1e-4);
  EXPECT_NEAR(psi, expected, 1e-9);
}

TEST(Drift, EmptyOrNonFiniteWindowIsAProgrammerError) {
  EXPECT_THROW(population_stability_index(uniform_reference(), {}), std::invalid_argument);
  const std::vector<double> nan = {1.0, std::nan("")};
  EXPECT_THROW(population_stability_index(uniform_reference(), nan), std::invalid_argument);
}

TEST(Drift, ThirteenMarketFeaturesByName) {
  NormStats stats;
  for (auto& r : stats.psi) r = uniform_reference();
  std::vector<std::array<double, kMarketFeatureCount>> rows;
  for (int i = 0; i < 300; ++i) {
    std::array<double, kMarketFeatureCount> v{};
    v.fill(0.5 + i % 10);
    v[kRsi9] = 100.0;  // only rsi_9 drifts
    rows.push_back(v);
  }
  const auto drift = market_feature_drift(stats, rows);
  ASSERT_EQ(drift.size(), 13u);
  EXPECT_EQ(drift[kRsi9].feature, "rsi_9");
  EXPECT_TRUE(drift[kRsi9].drifted);
  EXPECT_EQ(drift[kDxyZ].feature, "dxy_z");
  EXPECT_FALSE(drift[kDxyZ].drifted);
  EXPECT_NEAR(drift[kAtrPct].psi, 0.0, 1e-15);
}
