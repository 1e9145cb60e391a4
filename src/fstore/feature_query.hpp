#pragma once
// POST /query and GET /latest as typed requests and results: range reads with aggregation
// buckets and coverage, staleness from ttl_ms (spec 10).
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "fstore/feature_point.hpp"
#include "fstore/feature_spec.hpp"
#include "fstore/quality_gates.hpp"

namespace usdcop::fstore {

enum class Aggregation { none, sum, mean, last, min, max };
std::optional<Aggregation> parse_aggregation(std::string_view text);
const char* to_string(Aggregation a);
// "30s", "5m", "1h", "1d", "1w" -> a positive duration; nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_interval(std::string_view text);

struct QueryRequest {
  std::vector<std::string> feature_ids;
  std::optional<Timestamp> since;  // inclusive; default until - 30 days
  std::optional<Timestamp> until;  // exclusive; default now
  Aggregation agg = Aggregation::none;
  std::optional<std::chrono::milliseconds> interval;  // required with an aggregation
  std::size_t limit = 10000;                          // points (or buckets) per feature

  // From the POST body {featureIds[], since?, until?, agg?, interval?, limit?}; throws
  // Error(invalid_input) naming the field.
  static QueryRequest from_json(const nlohmann::json& body);
};

struct Bucket {
  Timestamp start{};
  double value = 0;
  long count = 0;
};

// Epoch-aligned buckets [k*interval, (k+1)*interval) of time-ordered points.
std::vector<Bucket> aggregate(const std::vector<FeaturePoint>& points, Aggregation agg,
                              std::chrono::milliseconds interval);

struct FeatureSeries {
  std::string feature_id;
  std::vector<FeaturePoint> points;  // when agg == none
  std::vector<Bucket> buckets;       // otherwise
  long received = 0;                 // points in range (before limit)
  std::optional<double> coverage;    // received / expected; nullopt for tick features
  bool truncated = false;            // limit reached
  QualityGates quality;
};

struct QueryResult {
  Timestamp since{}, until{};
  Aggregation agg = Aggregation::none;
  std::vector<FeatureSeries> features;
  nlohmann::json to_json() const;
};

// GET /latest: the newest point, its age and staleness; confidence is halved when stale.
struct LatestResult {
  std::string feature_id;
  std::optional<FeaturePoint> point;  // nullopt: the feature has no value yet
  bool stale = true;
  int64_t age_ms = 0;
  nlohmann::json to_json() const;
};

inline constexpr double kStaleConfidenceFactor = 0.5;
LatestResult make_latest(const FeatureSpec& spec, std::optional<FeaturePoint> point, Timestamp now);

}  // namespace usdcop::fstore
