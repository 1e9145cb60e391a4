// The publish rejection rules, per index, without a database.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "fstore/publish_rules.hpp"
#include "support/test_paths.hpp"

using namespace usdcop;
using namespace usdcop::fstore;

namespace {

const Timestamp kNow = parse_timestamp_or_throw("2025-06-02T12:00:00Z", "now");

FeatureCatalog catalog() {
  return FeatureCatalog(
      load_catalog_file(usdcop::testing::source_root() / "config" / "features.catalog.json"));
}

FeaturePoint pt(const std::string& id, Timestamp ts, double v) {
  FeaturePoint p;
  p.feature_id = id;
  p.ts = ts;
  p.value = v;
  return p;
}

const std::string kOi = "cex/agg/perp_oi_usd";  // expected range [5e9, 1e11]

}  // namespace

TEST(PublishRules, EachRuleRejectsItsIndexAndKeepsTheGoodOnes) {
  const auto t = kNow - std::chrono::hours(1);
  const std::vector<FeaturePoint> batch{
      pt(kOi, t, 3e10),                                    // 0 good
      pt("crypto/unknown/thing", t, 1),                    // 1 unknown feature
      pt(kOi, t + std::chrono::minutes(1), std::nan("")),  // 2 NaN
      pt(kOi, t + std::chrono::minutes(2), std::numeric_limits<double>::infinity()),  // 3 inf
      pt(kOi, t + std::chrono::minutes(3), 6e11),     // 4 outside 10x range
      pt(kOi, kNow + std::chrono::minutes(6), 3e10),  // 5 > 5 min in the future
      pt(kOi, t, 3.1e10),                             // 6 duplicate of 0, other value
      pt(kOi, t, 3e10),                               // 7 identical duplicate: fine
      pt("macro/usdcop/dxy", t, 100),                 // 8 read-only platform input
      pt(kOi, kNow + std::chrono::minutes(5), 3e10),  // 9 exactly 5 min ahead: fine
      pt(kOi, t + std::chrono::minutes(4), 5.2e11),   // 10 inside 10x range: fine
  };
  const auto r = screen_points(batch, catalog(), kNow, {});
  EXPECT_EQ(r.candidates, (std::vector<std::size_t>{0, 7, 9, 10}));
  ASSERT_EQ(r.errors.size(), 7u);
  const std::vector<std::pair<std::size_t, std::string>> expected{
      {1, "unknown feature"},
      {2, "not a finite"},
      {3, "not a finite"},
      {4, "outside 10x the expected range"},
      {5, "in the future"},
      {6, "duplicate of index 0"},
      {8, "read-only platform macro input"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(r.errors[i].index, expected[i].first);
    EXPECT_NE(r.errors[i].reason.find(expected[i].second), std::string::npos) << r.errors[i].reason;
  }
}

TEST(PublishRules, TenTimesTheRangeIsCentredOnTheExpectedRange) {
  FeatureSpec s;
  s.range_lo = 0;
  s.range_hi = 10;
  const auto b = publish_bounds(s);  // width 100 around centre 5
  EXPECT_EQ(b.lo, -45);
  EXPECT_EQ(b.hi, 55);
}

TEST(PublishRules, RetentionHorizonAndConfidence) {
  PublishLimits limits;
  limits.retention_horizon = kNow - std::chrono::days(30);
  auto old = pt(kOi, kNow - std::chrono::days(31), 3e10);
  auto bad_conf = pt(kOi, kNow, 3e10);
  bad_conf.confidence = 1.5;
  const auto r = screen_points({old, bad_conf}, catalog(), kNow, limits);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_NE(r.errors[0].reason.find("retention horizon"), std::string::npos);
  EXPECT_NE(r.errors[1].reason.find("confidence"), std::string::npos);
}

TEST(PublishBody, UnreadableElementsNameTheField) {
  std::string why;
  EXPECT_FALSE(
      point_from_json({{"featureId", kOi}, {"ts", "2025-01-01T00:00:00"}, {"value", 1}}, &why));
  EXPECT_NE(why.find("ts"), std::string::npos);
  EXPECT_FALSE(point_from_json(
      {{"featureId", kOi}, {"ts", "2025-01-01T00:00:00Z"}, {"value", nullptr}}, &why));
  EXPECT_NE(why.find("value"), std::string::npos);
  EXPECT_FALSE(point_from_json({{"ts", "2025-01-01T00:00:00Z"}, {"value", 1}}, &why));
  EXPECT_NE(why.find("featureId"), std::string::npos);
  const auto p = point_from_json(
      {{"featureId", kOi},
       {"ts", "2025-01-01T00:00:00Z"},
       {"value", 2.5},
       {"confidence", 0.9},
       {"meta", {{"k", 1}}},
       {"evidence", {{{"source", "x"}, {"ref", "r"}, {"ts", "2025-01-01T00:00:00Z"}}}}},
      &why);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->value, 2.5);
  EXPECT_EQ(p->evidence.size(), 1u);
  EXPECT_EQ(p->to_json()["featureId"], kOi);
}
