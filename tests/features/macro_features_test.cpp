// Macro features from the as-of view: delays, staleness, flags, z-score, changes, spread.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "feature_test_support.hpp"
#include "features/macro_features.hpp"

using namespace usdcop;
using namespace usdcop::features;
using usdcop::feature_testing::catalog;
using usdcop::feature_testing::daily;
using usdcop::feature_testing::same_bits;

namespace {

constexpr int slot(int observation_slot) {
  return observation_slot - kFirstMacroSlot;
}

std::vector<double> ramp(int n, double start = 1.0) {
  std::vector<double> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), start);
  return v;
}

MacroInputs inputs(std::map<std::string, std::vector<market::MacroObservation>> obs) {
  std::map<std::string, market::MacroSeries> series;
  for (auto& [name, o] : obs) series.emplace(name, market::MacroSeries(o));
  return MacroInputs(series, catalog());
}

bool missing(const MacroSnapshot& s, int observation_slot) {
  return (s.missing_mask & (1u << slot(observation_slot))) != 0;
}

}  // namespace

TEST(MacroZscore, HandComputed) {
  // 1..20: mean 10.5, sample variance 665/19 = 35.
  const auto w = ramp(20);
  EXPECT_NEAR(macro_zscore(w), 9.5 / std::sqrt(35.0), 1e-15);
  EXPECT_TRUE(std::isnan(macro_zscore(std::span<const double>(w).first(19))));  // < 20 values
  const std::vector<double> constant(40, 0.1);  // the rounded mean is not exactly 0.1
  EXPECT_EQ(macro_zscore(constant), 0.0);
  std::vector<double> spike(60, 0.0);
  spike.back() = 100.0;
  EXPECT_EQ(macro_zscore(spike), 3.0);  // z = 7.6, clipped
  spike.back() = -100.0;
  EXPECT_EQ(macro_zscore(spike), -3.0);
}

TEST(MacroFeatures, PublicationDelayAndWindowOf60) {
  // dxy observed daily from 2024-01-01, values 1..80; delay 1 day -> available next 00:00 COT.
  const auto in = inputs({{"dxy", daily("dxy", "2024-01-01", ramp(80))}});
  const Date last = parse_date_or_throw("2024-03-20", "d");  // observation 80 (value 80)
  // Just before its availability the newest available value is 79.
  const auto before = compute_macro_snapshot(
      in, cot_midnight(last + std::chrono::days{1}) - std::chrono::microseconds{1});
  EXPECT_EQ(before.values[slot(kDxyChange1d)], 79.0 / 78.0 - 1.0);
  const auto at = compute_macro_snapshot(in, cot_midnight(last + std::chrono::days{1}));
  EXPECT_EQ(at.values[slot(kDxyChange1d)], 80.0 / 79.0 - 1.0);
  // Window = values 21..80: mean 50.5, sample variance = 60*61/12 = 305.
  EXPECT_NEAR(at.values[slot(kDxyZ)], 29.5 / std::sqrt(305.0), 1e-14);
  EXPECT_EQ(at.values[slot(kDxyZ)], macro_zscore(std::span<const double>(ramp(80)).subspan(20)));
}

TEST(MacroFeatures, TooFewObservationsForZscore) {
  const auto in = inputs({{"vix", daily("vix", "2024-01-01", ramp(19, 10))}});
  const auto s = compute_macro_snapshot(in, cot_midnight(parse_date_or_throw("2024-01-20", "d")));
  EXPECT_TRUE(missing(s, kVixZ));
  EXPECT_TRUE(std::isnan(s.values[slot(kVixZ)]));
  const auto in20 = inputs({{"vix", daily("vix", "2024-01-01", ramp(20, 10))}});
  const auto s20 =
      compute_macro_snapshot(in20, cot_midnight(parse_date_or_throw("2024-01-21", "d")));
  EXPECT_FALSE(missing(s20, kVixZ));
}

TEST(MacroFeatures, StaleAfterSevenDays) {
  const auto in = inputs({{"brent", daily("brent", "2024-01-01", {80.0, 84.0})}});
  const Timestamp avail = cot_midnight(parse_date_or_throw("2024-01-03", "d"));  // of 2024-01-02
  const auto fresh = compute_macro_snapshot(in, avail + std::chrono::days{7});
  EXPECT_FALSE(missing(fresh, kBrentChange1d));
  EXPECT_EQ(fresh.values[slot(kBrentChange1d)], 84.0 / 80.0 - 1.0);
  const auto stale =
      compute_macro_snapshot(in, avail + std::chrono::days{7} + std::chrono::microseconds{1});
  EXPECT_TRUE(missing(stale, kBrentChange1d));
  EXPECT_TRUE(std::isnan(stale.values[slot(kBrentChange1d)]));
  // Variables absent from the data are missing too.
  EXPECT_TRUE(missing(fresh, kDxyZ));
  EXPECT_TRUE(missing(fresh, kRateSpread));
}

TEST(MacroFeatures, RateSpreadNeedsBothFreshYields) {
  const auto in = inputs({{"ust10y", daily("ust10y", "2024-01-01", {4.25, 4.5})},
                          {"ust2y", daily("ust2y", "2024-01-01", {4.75})}});
  const Timestamp t = cot_midnight(parse_date_or_throw("2024-01-03", "d"));
  const auto s = compute_macro_snapshot(in, t);
  EXPECT_EQ(s.values[slot(kRateSpread)], 4.5 - 4.75);
  const auto late = compute_macro_snapshot(
      in, cot_midnight(parse_date_or_throw("2024-01-09", "d")) + std::chrono::hours{1});
  EXPECT_TRUE(missing(late, kRateSpread));  // ust2y of 01-01 available 01-02: 7 days + 1h old
}

TEST(MacroFeatures, FlaggedObservationsAreExcluded) {
  auto obs = daily("usdmxn", "2024-01-01", {17.0, 17.5, 175000.0});
  obs[2].flagged = true;
  const auto in = inputs({{"usdmxn", obs}});
  const auto s = compute_macro_snapshot(in, cot_midnight(parse_date_or_throw("2024-01-05", "d")));
  EXPECT_EQ(s.values[slot(kUsdmxnChange1d)], 17.5 / 17.0 - 1.0);
}

TEST(MacroCursor, CachedSnapshotEqualsFreshComputation) {
  std::vector<double> dxy, vix;
  for (int k = 0; k < 200; ++k) {
    dxy.push_back(100 + std::sin(k * 0.3) * 3);
    vix.push_back(k % 50 < 25 ? 20.0 : 20.0 + k * 0.01);  // includes constant stretches
  }
  auto gappy = daily("vix", "2024-01-01", vix);
  gappy.erase(gappy.begin() + 100, gappy.begin() + 115);  // a 15-day gap: stale in between
  const auto in = inputs({{"dxy", daily("dxy", "2024-01-01", dxy)}, {"vix", gappy}});
  MacroCursor cursor(in);
  int refreshed_missing = 0;
  for (Timestamp t = cot_midnight(parse_date_or_throw("2024-01-01", "d"));
       t < cot_midnight(parse_date_or_throw("2024-08-01", "d")); t += std::chrono::minutes{55}) {
    const auto a = cursor.at(t);
    const auto b = compute_macro_snapshot(in, t);
    ASSERT_EQ(a.missing_mask, b.missing_mask) << format_rfc3339(t);
    for (int k = 0; k < kMacroFeatureCount; ++k) {
      ASSERT_TRUE(
          same_bits(a.values[static_cast<std::size_t>(k)], b.values[static_cast<std::size_t>(k)]))
          << format_rfc3339(t) << " slot " << k;
    }
    if (a.missing_mask & (1u << slot(kVixZ))) ++refreshed_missing;
  }
  EXPECT_GT(refreshed_missing, 0);
  // Going back in time is allowed.
  const Timestamp early = cot_midnight(parse_date_or_throw("2024-03-01", "d"));
  EXPECT_EQ(cursor.at(early).missing_mask, compute_macro_snapshot(in, early).missing_mask);
}
