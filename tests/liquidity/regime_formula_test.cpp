// Hand-computed checks of every step of the regime formula (spec 10, spec 12).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "liquidity/regime_formula.hpp"

using namespace usdcop;
using namespace usdcop::liquidity;

TEST(RegimeFormula, ZScoreUsesSampleSdOverTheFullWindowIncludingTheCurrentValue) {
  const std::vector<double> w{1, 2, 3, 4, 5};  // mean 3, sample sd sqrt(10/4)
  EXPECT_NEAR(*trailing_zscore(w, 5, 3), 2 / std::sqrt(2.5), 1e-12);
  // Not a full window: no z-score.
  EXPECT_FALSE(trailing_zscore(std::vector<double>{1, 2, 3, 4}, 5, 3));
  // A constant window gives 0.
  EXPECT_EQ(*trailing_zscore(std::vector<double>{7, 7, 7}, 3, 3), 0.0);
  // Clipping: [0,0,0,0,10]: mean 2, sd sqrt(80/4) -> z = 8 / 4.4721 = 1.789, clipped to 1.5.
  const std::vector<double> spike{0, 0, 0, 0, 10};
  EXPECT_NEAR(*trailing_zscore(spike, 5, 3), 8 / std::sqrt(20.0), 1e-12);
  EXPECT_EQ(*trailing_zscore(spike, 5, 1.5), 1.5);
  // A drop in a long window goes beyond -3 before clipping: 19 zeros then -100.
  std::vector<double> drop(19, 0.0);
  drop.push_back(-100);
  EXPECT_EQ(*trailing_zscore(drop, 20, 3), -3.0);
}

TEST(RegimeFormula, ComponentIsSignedWeightedMeanNormalisedByAbsoluteWeights) {
  // GL: WALCL +1 (z 1.0), TGA -1 (z 0.5), RRP -1 (z -2): (1 - 0.5 + 2) / 3.
  const std::vector<WeightedZ> gl{{1, 1.0}, {-1, 0.5}, {-1, -2.0}};
  EXPECT_NEAR(*component_score(gl), 2.5 / 3, 1e-12);
  // MP with the DEX feed unusable: (1*1 + 0.5*2) / (1 + 0.5).
  const std::vector<WeightedZ> mp{{1, 1.0}, {0.5, 2.0}, {1, std::nullopt}};
  EXPECT_NEAR(*component_score(mp), 2 / 1.5, 1e-12);
  const std::vector<WeightedZ> none{{1, std::nullopt}};
  EXPECT_FALSE(component_score(none));
}

TEST(RegimeFormula, RawScoreWeightsComponentsAndRenormalisesOverUsableOnes) {
  const std::array<double, 3> w{0.4, 0.4, 0.2};
  EXPECT_NEAR(*raw_score({1.0, -0.5, 2.0}, w), 0.4 - 0.2 + 0.4, 1e-12);
  EXPECT_NEAR(*raw_score({1.0, std::nullopt, 2.0}, w), (0.4 + 0.4) / 0.6, 1e-12);
  EXPECT_FALSE(raw_score({std::nullopt, std::nullopt, std::nullopt}, w));
}

TEST(RegimeFormula, EmaIsSeededWithTheFirstRawScore) {
  double s = ema_step(std::nullopt, 2.0, 0.2);
  EXPECT_EQ(s, 2.0);
  s = ema_step(s, 1.0, 0.2);  // 0.2*1 + 0.8*2
  EXPECT_NEAR(s, 1.8, 1e-12);
  s = ema_step(s, -1.0, 0.2);  // 0.2*-1 + 0.8*1.8
  EXPECT_NEAR(s, 1.24, 1e-12);
}

TEST(RegimeFormula, Score0To100ClipsAtThreeSigma) {
  EXPECT_EQ(score_0_100(0), 50);
  EXPECT_EQ(score_0_100(1.5), 75);
  EXPECT_EQ(score_0_100(4), 100);
  EXPECT_EQ(score_0_100(-3), 0);
}

TEST(RegimeFormula, CandidateThresholdsAreStrictAndRedWinsATie) {
  CandidateInputs in;
  in.smoothed = 0.81;
  in.etf_flow_today = 1e6;
  in.stables_yoy = 0.1;
  EXPECT_EQ(candidate_regime(in, 0.8, -0.8), Regime::GREEN);
  in.smoothed = 0.8;  // strict
  EXPECT_EQ(candidate_regime(in, 0.8, -0.8), Regime::YELLOW);
  in.smoothed = 1.0;
  in.etf_flow_today = 0;  // flows must be > 0
  EXPECT_EQ(candidate_regime(in, 0.8, -0.8), Regime::YELLOW);
  in.etf_flow_today = 1e6;
  in.stables_yoy = std::nullopt;  // no stablecoin data: no GREEN
  EXPECT_EQ(candidate_regime(in, 0.8, -0.8), Regime::YELLOW);
  in.stables_yoy = 0.1;
  // RED's flow rule while the score says GREEN: RED wins.
  in.rrp_rising = in.tga_rising = true;
  in.etf_flow_5d_sum = -1;
  EXPECT_EQ(candidate_regime(in, 0.8, -0.8), Regime::RED);
  in.tga_rising = false;  // all three conditions are needed
  EXPECT_EQ(candidate_regime(in, 0.8, -0.8), Regime::GREEN);
  in.tga_rising = true;
  in.etf_flow_5d_sum = 0;  // strictly below 0
  EXPECT_EQ(candidate_regime(in, 0.8, -0.8), Regime::GREEN);
  CandidateInputs low;
  low.smoothed = -0.81;
  EXPECT_EQ(candidate_regime(low, 0.8, -0.8), Regime::RED);
  low.smoothed = -0.8;
  EXPECT_EQ(candidate_regime(low, 0.8, -0.8), Regime::YELLOW);
}

TEST(RegimeFormula, ConfirmationPublishesAfter24hAndAlertsAnUnconfirmedGreenToRedFlip) {
  const auto h24 = std::chrono::hours(24);
  const Timestamp d0 = utc_midnight(parse_date_or_throw("2025-01-01", "d"));
  const auto day = [&](int i) { return d0 + std::chrono::days(i); };
  auto s = confirm({}, Regime::GREEN, day(0), h24);  // first scored day: YELLOW
  EXPECT_EQ(s.next.published, Regime::YELLOW);
  EXPECT_EQ(s.next.candidate, Regime::GREEN);
  EXPECT_FALSE(s.flip_alert);
  s = confirm(s.next, Regime::GREEN, day(1), h24);  // held 24 h: published
  EXPECT_EQ(s.next.published, Regime::GREEN);
  s = confirm(s.next, Regime::RED, day(2), h24);  // RED candidate under GREEN: alert, not yet RED
  EXPECT_TRUE(s.flip_alert);
  EXPECT_EQ(s.next.published, Regime::GREEN);
  EXPECT_EQ(s.next.candidate_since, day(2));
  auto held =
      confirm(s.next, Regime::RED, day(3), h24);  // still RED a day later: RED, no new alert
  EXPECT_FALSE(held.flip_alert);
  EXPECT_EQ(held.next.published, Regime::RED);
  s = confirm(s.next, Regime::YELLOW, day(3), h24);  // the RED candidate did not hold
  EXPECT_EQ(s.next.published, Regime::GREEN);
  EXPECT_EQ(s.next.candidate, Regime::YELLOW);
  EXPECT_EQ(s.next.candidate_since, day(3));
  s = confirm(s.next, Regime::YELLOW, day(4), h24);
  EXPECT_EQ(s.next.published, Regime::YELLOW);
  // Shorter than the confirmation time: not yet (12 h on an hourly grid).
  auto fast = confirm({}, Regime::RED, day(0), h24);
  fast = confirm(fast.next, Regime::RED, day(0) + std::chrono::hours(12), h24);
  EXPECT_EQ(fast.next.published, Regime::YELLOW);
}

TEST(RegimeFormula, CoherenceIsTheShareOfAgreeingComponentsLoweredPerStaleComponent) {
  EXPECT_NEAR(coherence({1.0, 2.0, -1.0}, 0.5), 2.0 / 3, 1e-12);
  EXPECT_NEAR(coherence({1.0, std::nullopt, 1.0}, 0.5), 2.0 / 3, 1e-12);  // missing disagrees
  EXPECT_EQ(coherence({-1.0, -2.0, -0.1}, 0.5), 0.0);                     // may be 0
  EXPECT_EQ(coherence({-1.0, -2.0, -0.1}, -0.5), 1.0);
  EXPECT_NEAR(confidence(2.0 / 3, 1, 0.5), 1.0 / 3, 1e-12);
  EXPECT_NEAR(confidence(1.0, 2, 0.5), 0.25, 1e-12);
}
