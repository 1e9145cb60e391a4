// Publish through the library into PostgreSQL: per-index rejections with the good points of the
// same batch stored, rejects recorded, identical re-publication changing nothing; the
// versioned catalog; latest and query with coverage and buckets.
#include <gtest/gtest.h>

#include <cmath>

#include "fs_db_support.hpp"

using namespace usdcop;
using namespace usdcop::fstore;
using usdcop::fs_testing::FsFixture;
using usdcop::fs_testing::point;

namespace {
const std::string kOi = "cex/agg/perp_oi_usd";
const std::string kDepth = "cex/agg/spot_depth_2pct_usd";
}  // namespace

TEST(PgPublish, RejectsPerIndexStoresTheGoodPointsAndRepublishingChangesNothing) {
  FsFixture f;
  const auto t = f.now - std::chrono::hours(2);
  const auto ts = [&](int minutes) { return format_rfc3339(t + std::chrono::minutes(minutes)); };
  // Two points stored first: index 6 of the batch conflicts with one, index 7 repeats the other.
  const auto t_before = t - std::chrono::minutes(1);
  ASSERT_EQ(f.service.publish({point(kOi, t, 3e10), point(kOi, t_before, 2.9e10)}).stored, 2);
  const nlohmann::json body = {
      {{"featureId", kOi}, {"ts", ts(1)}, {"value", 3.1e10}},       // 0 good
      {{"featureId", "crypto/nope"}, {"ts", ts(1)}, {"value", 1}},  // 1 unknown feature
      {{"featureId", kOi}, {"ts", ts(2)}, {"value", nullptr}},      // 2 non-finite (null)
      {{"featureId", kOi}, {"ts", ts(3)}, {"value", 1e13}},         // 3 outside 10x range
      {{"featureId", kOi},
       {"ts", format_rfc3339(f.now + std::chrono::minutes(6))},
       {"value", 3e10}},                                       // 4 future
      {{"featureId", kDepth}, {"ts", ts(1)}, {"value", 7e8}},  // 5 good
      {{"featureId", kOi},
       {"ts", format_rfc3339(t_before)},
       {"value", 3.2e10}},                                               // 6 differs from stored
      {{"featureId", kOi}, {"ts", format_rfc3339(t)}, {"value", 3e10}},  // 7 identical to stored
      {{"featureId", kDepth}, {"ts", ts(1)}, {"value", 7.1e8}},          // 8 differs from index 5
  };
  const auto r = f.service.publish_json(body);
  EXPECT_EQ(r.accepted, 3);  // 0, 5, 7
  EXPECT_EQ(r.stored, 2);    // 0, 5 (7 was already there)
  EXPECT_EQ(r.unchanged, 1);
  EXPECT_EQ(r.rejected, 6);
  std::vector<std::size_t> idx;
  for (const auto& e : r.errors) idx.push_back(e.index);
  EXPECT_EQ(idx, (std::vector<std::size_t>{1, 2, 3, 4, 6, 8}));
  EXPECT_NE(r.errors[4].reason.find("duplicate with a different value"), std::string::npos);
  EXPECT_EQ(f.count("SELECT count(*) FROM fs.features_values"), 4);
  EXPECT_EQ(f.count("SELECT count(*) FROM fs.features_values WHERE feature_id = '" + kOi +
                    "' AND value = 3e10"),
            1);
  // Every reject is recorded with its batch index, reason and the input as received.
  EXPECT_EQ(f.count("SELECT count(*) FROM fs.publish_rejects"), 6);
  EXPECT_EQ(f.text("SELECT reason FROM fs.publish_rejects WHERE batch_index = 2"),
            r.errors[1].reason);
  EXPECT_EQ(f.text("SELECT raw->>'featureId' FROM fs.publish_rejects WHERE batch_index = 1"),
            "crypto/nope");
  EXPECT_EQ(f.count("SELECT rejected FROM fs.ingest_counts WHERE feature_id = '" + kOi + "'"), 4);

  // NaN from a library caller is refused like JSON null.
  const auto nan = f.service.publish({point(kDepth, t, std::nan(""))});
  ASSERT_EQ(nan.errors.size(), 1u);
  EXPECT_NE(nan.errors[0].reason.find("finite"), std::string::npos);

  // Identical re-publication of the good points: nothing changes, not even ingested_at.
  const auto before = f.text(
      "SELECT string_agg(feature_id || ts || value || ingested_at, ',' ORDER BY "
      "feature_id, ts) FROM fs.features_values");
  const auto latest_before =
      f.text("SELECT ingested_at::text FROM fs.features_latest WHERE feature_id = '" + kOi + "'");
  const nlohmann::json again = {body[0], body[5], body[7]};
  const auto r2 = f.service.publish_json(again);
  EXPECT_EQ(r2.accepted, 3);
  EXPECT_EQ(r2.stored, 0);
  EXPECT_EQ(r2.unchanged, 3);
  EXPECT_EQ(r2.rejected, 0);
  EXPECT_EQ(f.text("SELECT string_agg(feature_id || ts || value || ingested_at, ',' ORDER BY "
                   "feature_id, ts) FROM fs.features_values"),
            before);
  EXPECT_EQ(
      f.text("SELECT ingested_at::text FROM fs.features_latest WHERE feature_id = '" + kOi + "'"),
      latest_before);
}

TEST(PgCatalog, VersionsAreKeptAndTagsUseTheGinIndex) {
  FsFixture f;
  auto specs =
      load_catalog_file(usdcop::testing::source_root() / "config" / "features.catalog.json");
  EXPECT_EQ(f.repo.apply_catalog(specs).unchanged, static_cast<long>(specs.size()));
  specs[0].unit = "USD_bn";
  const auto r = f.repo.apply_catalog(specs);
  EXPECT_EQ(r.new_versions, 1);
  const auto v = f.repo.versions(specs[0].id);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_FALSE(v[0].active);
  EXPECT_TRUE(v[1].active);
  EXPECT_EQ(v[1].version, 2);
  EXPECT_EQ(v[1].unit, "USD_bn");
  EXPECT_EQ(f.service.catalog({}).size(), specs.size());  // one active version each
  CatalogFilter tags;
  tags.tags = {"gl", "mp"};
  EXPECT_EQ(f.service.catalog(tags).size(), 6u);
  CatalogFilter weekly;
  weekly.frequency = "1w";
  weekly.entity = "macro";
  EXPECT_EQ(f.service.catalog(weekly).size(), 1u);
  EXPECT_NE(f.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'features_catalog_tags_idx'")
                .find("gin"),
            std::string::npos);
}

TEST(PgQuery, LatestCoverageBucketsAndUnknownFeatures) {
  FsFixture f;
  const Timestamp day0 = utc_midnight(parse_date_or_throw("2025-05-01", "d"));
  std::vector<FeaturePoint> pts;
  for (int i = 0; i < 10; ++i)
    if (i != 4) pts.push_back(point(kDepth, day0 + std::chrono::days(i), 1e9 + i * 1e7));
  ASSERT_EQ(f.service.publish(pts).stored, 9);
  QueryRequest q;
  q.feature_ids = {kDepth};
  q.since = day0;
  q.until = day0 + std::chrono::days(10);
  auto r = f.service.query(q);
  ASSERT_EQ(r.features.size(), 1u);
  EXPECT_EQ(r.features[0].points.size(), 9u);
  EXPECT_NEAR(*r.features[0].coverage, 0.9, 1e-12);
  EXPECT_TRUE(r.features[0].quality.coverage_ok);
  EXPECT_FALSE(r.features[0].quality.freshness_ok);  // newest is 23 days before the clock
  q.agg = Aggregation::max;
  q.interval = std::chrono::days(5);
  r = f.service.query(q);
  ASSERT_FALSE(r.features[0].buckets.empty());
  double total = 0;
  for (const auto& b : r.features[0].buckets) total += static_cast<double>(b.count);
  EXPECT_EQ(total, 9);
  q.agg = Aggregation::none;
  q.limit = 3;
  r = f.service.query(q);
  EXPECT_EQ(r.features[0].points.size(), 3u);
  EXPECT_TRUE(r.features[0].truncated);
  EXPECT_EQ(r.features[0].received, 9);

  const auto latest = f.service.latest(kDepth);
  ASSERT_TRUE(latest.point);
  EXPECT_EQ(latest.point->ts, day0 + std::chrono::days(9));
  EXPECT_TRUE(latest.stale);  // 2-day ttl
  EXPECT_EQ(latest.point->confidence, 0.5);
  EXPECT_FALSE(f.service.latest(kOi).point);  // known, no data yet
  try {
    f.service.latest("crypto/nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found);
  }
  q.feature_ids = {kDepth, "crypto/nope"};
  EXPECT_THROW(f.service.query(q), Error);
}
