// Hand-computed values of the technical features on tiny series (spec 02 formulas).
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "feature_test_support.hpp"
#include "features/feature_builder.hpp"

using namespace usdcop;
using namespace usdcop::features;
using usdcop::feature_testing::bar;
using usdcop::feature_testing::flat;
using usdcop::feature_testing::same_bits;

namespace {

MacroSnapshot all_macro_present() {
  MacroSnapshot m;
  for (int i = 0; i < kMacroFeatureCount; ++i) m.values[static_cast<std::size_t>(i)] = 0.5 + i;
  return m;
}

bool is_missing(const FeatureVector& v, int slot) {
  return (v.missing_mask & (1u << slot)) != 0;
}

}  // namespace

TEST(TechnicalFeatures, FirstBarSeedsEverything) {
  FeatureBuilder b;
  const auto v = b.update(flat(0, 100), all_macro_present());
  EXPECT_TRUE(is_missing(v, kLogRet5m));
  EXPECT_TRUE(std::isnan(v.values[kLogRet5m]));
  EXPECT_TRUE(is_missing(v, kLogRet1h));
  EXPECT_TRUE(is_missing(v, kLogRet4h));
  EXPECT_EQ(v.values[kRsi9], 50.0);      // AG = AL = 0
  EXPECT_EQ(v.values[kAtrPct], 0.0);     // TR_0 = H - L = 0 on a flat bar
  EXPECT_TRUE(is_missing(v, kAdx14));    // ATR14 = 0: DX undefined
  EXPECT_EQ(v.values[kTimeIndex], 0.0);  // 08:00 COT
  EXPECT_EQ(v.values[kPositionIndex], 0.0);
  EXPECT_FALSE(v.complete);
  EXPECT_TRUE(v.missing_mask & kWarmupBit);
}

TEST(TechnicalFeatures, HandComputedSmallSeries) {
  FeatureBuilder b;
  const auto m = all_macro_present();
  b.update(flat(0, 100), m);
  // Bar 1: H 102, L 100.5, C 101. TR = max(1.5, |102-100|, |100.5-100|) = 2; gain 1;
  // up = 2, dn = -0.5 -> +DM 2, -DM 0.
  const auto v1 = b.update(bar(1, 100, 102, 100.5, 101), m);
  EXPECT_EQ(v1.values[kLogRet5m], std::log(101.0 / 100.0));
  EXPECT_EQ(v1.values[kRsi9], 100.0);  // AL = 0, AG = 1/9 > 0
  EXPECT_EQ(v1.values[kAtrPct], (0.0 + (2.0 - 0.0) / 10.0) / 101.0);
  EXPECT_EQ(v1.values[kAdx14], 100.0);  // +DI 100, -DI 0: first defined DX = 100 seeds ADX
  EXPECT_FALSE(is_missing(v1, kAdx14));

  // Bar 2: flat at 100.5 (close-only). TR from the previous close = 0.5; loss 0.5;
  // up = -1.5, dn = 0 -> no DM.
  const auto v2 = b.update(flat(2, 100.5), m);
  const double ag2 = (1.0 / 9.0) + (0.0 - 1.0 / 9.0) / 9.0;  // 8/81
  const double al2 = 0.0 + (0.5 - 0.0) / 9.0;                // 4.5/81
  EXPECT_EQ(v2.values[kRsi9], 100.0 - 100.0 / (1.0 + ag2 / al2));
  EXPECT_NEAR(v2.values[kRsi9], 64.0, 1e-12);  // 100 - 100 / (1 + 16/9)
  const double atr10_2 = 0.2 + (0.5 - 0.2) / 10.0;
  EXPECT_EQ(v2.values[kAtrPct], atr10_2 / 100.5);
  EXPECT_NEAR(v2.values[kAtrPct], 0.23 / 100.5, 1e-15);
  EXPECT_EQ(v2.values[kAdx14], 100.0);  // -DM still 0: DX = 100 again
  EXPECT_EQ(v2.values[kLogRet5m], std::log(100.5 / 101.0));

  // Bar 3: H 100.2, L 99, C 99.5. TR = max(1.2, 0.3, 1.5) = 1.5; up = -0.3, dn = 1.5 -> -DM 1.5.
  const auto v3 = b.update(bar(3, 100.4, 100.2, 99.0, 99.5), m);
  double atr14 = 0.0 + (2.0 - 0.0) / 14.0;
  atr14 = atr14 + (0.5 - atr14) / 14.0;
  atr14 = atr14 + (1.5 - atr14) / 14.0;
  double pdm = 0.0 + (2.0 - 0.0) / 14.0;
  pdm = pdm + (0.0 - pdm) / 14.0;
  pdm = pdm + (0.0 - pdm) / 14.0;
  double mdm = 0.0;
  mdm = mdm + (1.5 - mdm) / 14.0;
  const double pdi = 100.0 * pdm / atr14, mdi = 100.0 * mdm / atr14;
  const double dx = 100.0 * std::abs(pdi - mdi) / (pdi + mdi);
  EXPECT_EQ(v3.values[kAdx14], 100.0 + (dx - 100.0) / 14.0);
  EXPECT_LT(v3.values[kAdx14], 100.0);
  const double ag3 = ag2 + (0.0 - ag2) / 9.0, al3 = al2 + (1.0 - al2) / 9.0;
  EXPECT_EQ(v3.values[kRsi9], 100.0 - 100.0 / (1.0 + ag3 / al3));
  EXPECT_EQ(v3.values[kAtrPct], (atr10_2 + (1.5 - atr10_2) / 10.0) / 99.5);
}

TEST(TechnicalFeatures, FlatSeriesNeverDividesByZero) {
  FeatureBuilder b;
  FeatureVector v;
  for (int i = 0; i < 70; ++i) v = b.update(flat(i, 4000), all_macro_present());
  EXPECT_EQ(v.values[kRsi9], 50.0);
  EXPECT_EQ(v.values[kAtrPct], 0.0);
  EXPECT_EQ(v.values[kLogRet4h], 0.0);
  EXPECT_TRUE(is_missing(v, kAdx14));  // never a defined DX: missing, not 0
  EXPECT_FALSE(v.complete);
}

TEST(TechnicalFeatures, RsiWithOnlyGainsIs100AndOnlyLossesIs0) {
  FeatureBuilder up, down;
  FeatureVector vu, vd;
  for (int i = 0; i < 5; ++i) {
    vu = up.update(flat(i, 100 + i), all_macro_present());
    vd = down.update(flat(i, 100 - i), all_macro_present());
  }
  EXPECT_EQ(vu.values[kRsi9], 100.0);
  EXPECT_EQ(vd.values[kRsi9], 0.0);  // AG = 0, AL > 0: 100 - 100/(1 + 0)
}

TEST(TechnicalFeatures, LogReturnLagsAndWarmup) {
  FeatureBuilder b;
  std::vector<FeatureVector> v;
  for (int i = 0; i < 61; ++i) {
    const double c = 4000 + 3 * i + (i % 7);
    v.push_back(b.update(bar(i, c, c + 2, c - 1, c), all_macro_present()));
  }
  auto close = [](int i) { return 4000.0 + 3 * i + (i % 7); };
  EXPECT_TRUE(is_missing(v[11], kLogRet1h));
  EXPECT_EQ(v[12].values[kLogRet1h], std::log(close(12) / close(0)));
  EXPECT_TRUE(is_missing(v[47], kLogRet4h));
  EXPECT_EQ(v[48].values[kLogRet4h], std::log(close(48) / close(0)));
  EXPECT_EQ(v[60].values[kLogRet4h], std::log(close(60) / close(12)));
  EXPECT_FALSE(v[58].complete);
  EXPECT_EQ(v[58].missing(), std::vector<std::string>{"warmup"});
  EXPECT_TRUE(v[59].complete);  // the 60th stored bar
  EXPECT_TRUE(v[59].missing().empty());
  EXPECT_EQ(v[59].values[kTimeIndex], 1.0);  // 12:55 COT
  EXPECT_EQ(v[60].values[kTimeIndex], 0.0);  // next session 08:00
}

TEST(TechnicalFeatures, MissingMacroMakesTheVectorIncompleteNeverZero) {
  FeatureBuilder b;
  MacroSnapshot m = all_macro_present();
  m.values[kRateSpread - kFirstMacroSlot] = std::nan("");
  m.missing_mask = 1u << (kRateSpread - kFirstMacroSlot);
  FeatureVector v;
  for (int i = 0; i < 60; ++i) v = b.update(flat(i, 4000 + i), m);
  EXPECT_FALSE(v.complete);
  EXPECT_EQ(v.missing(), std::vector<std::string>{"rate_spread"});
  EXPECT_TRUE(std::isnan(v.values[kRateSpread]));
  const auto row = v.to_row();
  EXPECT_TRUE(std::isnan(row.market[kRateSpread]));
  EXPECT_FALSE(row.complete);
}

TEST(TechnicalFeatures, OutOfSessionBarHasNoTimeNormalized) {
  FeatureBuilder b;
  const market::Bar night{parse_timestamp_or_throw("2024-01-02T03:00:00Z", "t"), 1, 1, 1, 1, 0};
  const auto v = b.update(night, all_macro_present());
  EXPECT_TRUE(is_missing(v, kTimeIndex));
}

TEST(TechnicalFeatures, RejectsBarsOutOfOrder) {
  FeatureBuilder b;
  b.update(flat(5, 100), all_macro_present());
  EXPECT_THROW(b.update(flat(5, 100), all_macro_present()), Error);
  EXPECT_THROW(b.update(flat(4, 100), all_macro_present()), Error);
}

TEST(TechnicalFeatures, CheckpointRestoresExactly) {
  FeatureBuilder a;
  for (int i = 0; i < 100; ++i) {
    const double c = 4000 + std::sin(i) * 17.3;
    a.update(bar(i, c, c + 1.1, c - 0.7, c), all_macro_present());
  }
  const auto restored = FeatureBuilder::restore(a.serialize());
  EXPECT_TRUE(restored == a);
  EXPECT_EQ(restored.serialize(), a.serialize());
  FeatureBuilder r = restored;
  const auto va = a.update(bar(100, 4001, 4003, 3999, 4002.5), all_macro_present());
  const auto vr = r.update(bar(100, 4001, 4003, 3999, 4002.5), all_macro_present());
  for (int k = 0; k < kObservationSize; ++k)
    EXPECT_TRUE(same_bits(va.values[k], vr.values[k])) << k;
  EXPECT_THROW(FeatureBuilder::restore("{}"), Error);
  EXPECT_THROW(FeatureBuilder::restore("not json"), Error);
  std::string other = a.serialize();
  other.replace(other.find("1.0.0"), 5, "0.9.0");
  try {
    FeatureBuilder::restore(other);
    FAIL() << "expected an integrity error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::integrity);
  }
}
