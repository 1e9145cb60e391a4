// Query requests, aggregation buckets, latest staleness and the quality gates, without a database.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "fstore/feature_metrics.hpp"
#include "fstore/feature_query.hpp"

using namespace usdcop;
using namespace usdcop::fstore;

namespace {

Timestamp at(const char* s) {
  return parse_timestamp_or_throw(s, "t");
}

const std::string kFeature = "test/feature";

FeaturePoint pt(const char* ts, double v) {
  FeaturePoint p;
  p.feature_id = kFeature;
  p.ts = at(ts);
  p.value = v;
  return p;
}

FeatureSpec spec(const char* frequency, int64_t ttl_ms) {
  FeatureSpec s;
  s.id = kFeature;
  s.frequency = frequency;
  s.ttl_ms = ttl_ms;
  s.range_lo = 0;
  s.range_hi = 10;
  return s;
}

}  // namespace

TEST(QueryRequest, ParsesTheBodyAndNamesBadFields) {
  const auto q = QueryRequest::from_json({{"featureIds", {"a", "b"}},
                                          {"since", "2025-01-01"},
                                          {"until", "2025-02-01T00:00:00Z"},
                                          {"agg", "mean"},
                                          {"interval", "1d"},
                                          {"limit", 50}});
  EXPECT_EQ(q.feature_ids.size(), 2u);
  EXPECT_EQ(q.agg, Aggregation::mean);
  EXPECT_EQ(*q.interval, std::chrono::days(1));
  EXPECT_EQ(q.limit, 50u);
  const auto bad = [](nlohmann::json body, const char* field) {
    try {
      QueryRequest::from_json(body);
      ADD_FAILURE() << field;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  bad({{"featureIds", nlohmann::json::array()}}, "featureIds");
  bad({{"featureIds", {"a"}}, {"agg", "median"}}, "agg");
  bad({{"featureIds", {"a"}}, {"agg", "sum"}}, "interval");
  bad({{"featureIds", {"a"}}, {"interval", "5x"}}, "interval");
  bad({{"featureIds", {"a"}}, {"limit", 0}}, "limit");
}

TEST(Aggregation, EpochAlignedBuckets) {
  const std::vector<FeaturePoint> pts{pt("2025-01-01T00:10:00Z", 1), pt("2025-01-01T00:50:00Z", 3),
                                      pt("2025-01-01T01:05:00Z", 10),
                                      pt("2025-01-01T03:00:00Z", 4)};
  const auto h = std::chrono::hours(1);
  const auto mean = aggregate(pts, Aggregation::mean, h);
  ASSERT_EQ(mean.size(), 3u);
  EXPECT_EQ(mean[0].start, at("2025-01-01T00:00:00Z"));
  EXPECT_EQ(mean[0].value, 2);
  EXPECT_EQ(mean[0].count, 2);
  EXPECT_EQ(mean[2].start, at("2025-01-01T03:00:00Z"));
  EXPECT_EQ(aggregate(pts, Aggregation::sum, h)[0].value, 4);
  EXPECT_EQ(aggregate(pts, Aggregation::last, h)[0].value, 3);
  EXPECT_EQ(aggregate(pts, Aggregation::min, h)[0].value, 1);
  EXPECT_EQ(aggregate(pts, Aggregation::max, std::chrono::hours(2))[0].value, 10);
}

TEST(Latest, StaleWhenOlderThanTtlWithConfidenceHalved) {
  const auto s = spec("1d", 2 * 86400000LL);
  auto p = pt("2025-01-01T00:00:00Z", 5);
  p.confidence = 0.8;
  const auto fresh = make_latest(s, p, at("2025-01-03T00:00:00Z"));  // exactly ttl: not stale
  EXPECT_FALSE(fresh.stale);
  EXPECT_EQ(fresh.age_ms, 2 * 86400000LL);
  EXPECT_EQ(fresh.point->confidence, 0.8);
  const auto stale = make_latest(s, p, at("2025-01-03T00:00:01Z"));
  EXPECT_TRUE(stale.stale);
  EXPECT_EQ(stale.point->confidence, 0.4);
  EXPECT_EQ(stale.to_json()["stale"], true);
  EXPECT_TRUE(
      make_latest(s, std::nullopt, at("2025-01-03T00:00:00Z")).to_json()["point"].is_null());
}

TEST(QualityGates, CoverageFreshnessRangeAndFailureRate) {
  const auto s = spec("1d", 86400000LL);
  const auto now = at("2025-01-10T00:00:00Z");
  const std::vector<FeaturePoint> window{pt("2025-01-08T00:00:00Z", 5),
                                         pt("2025-01-09T00:00:00Z", 11)};
  auto g = evaluate_quality(s, window, 0.79, at("2025-01-09T00:00:00Z"), {95, 5}, now);
  EXPECT_FALSE(g.coverage_ok);
  EXPECT_TRUE(g.freshness_ok);  // 1 day <= 1.5 x ttl
  EXPECT_EQ(g.out_of_range, 1);
  EXPECT_FALSE(g.range_ok);
  EXPECT_NEAR(g.failure_rate, 0.05, 1e-12);
  EXPECT_TRUE(g.failure_rate_ok);  // <= 5 %
  EXPECT_FALSE(g.pass());
  g = evaluate_quality(s, {window[0]}, 0.8, at("2025-01-08T11:59:59Z"), {94, 6}, now);
  EXPECT_TRUE(g.coverage_ok);
  EXPECT_FALSE(g.freshness_ok);  // 36 h + 1 s > 1.5 x 24 h
  EXPECT_FALSE(g.failure_rate_ok);
  EXPECT_FALSE(evaluate_quality(s, {}, 1.0, std::nullopt, {}, now).freshness_ok);  // no data
}

TEST(Metrics, PublishAndQuerySamples) {
  std::vector<FeaturePoint> pts{pt("2025-01-01T00:00:00Z", 1), pt("2025-01-02T00:00:00Z", 2),
                                pt("2025-01-03T00:00:00Z", 3)};
  PublishResult r;
  r.errors = {{1, "bad"}};
  const auto s = publish_metric_samples(pts, r);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].name, "feature_ingest_total");
  EXPECT_EQ(s[0].value, 2);
  EXPECT_EQ(s[1].name, "feature_ingest_fail_total");
  EXPECT_EQ(s[1].value, 1);
  QueryResult q;
  FeatureSeries f;
  f.feature_id = kFeature;
  f.coverage = 0.5;
  f.quality.freshness_s = 60;
  q.features.push_back(f);
  const auto g = query_metric_samples(q);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].name, "feature_freshness_seconds");
  EXPECT_EQ(g[1].value, 0.5);
}
