#pragma once
// Data-quality gates per feature (spec 10): coverage >= 0.80, freshness <= 1.5 x ttl, values
// inside expected_range, ingest failure rate <= 5 %.
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "fstore/feature_point.hpp"
#include "fstore/feature_spec.hpp"

namespace usdcop::fstore {

struct IngestCounts {
  long accepted = 0, rejected = 0;
};

struct QualityGates {
  std::optional<double> coverage;  // nullopt for tick features (no expectation)
  bool coverage_ok = true;
  std::optional<double> freshness_s;  // age of the newest point; nullopt without data
  bool freshness_ok = false;
  long out_of_range = 0;
  bool range_ok = true;
  double failure_rate = 0;
  bool failure_rate_ok = true;
  bool pass() const { return coverage_ok && freshness_ok && range_ok && failure_rate_ok; }
  nlohmann::json to_json() const;
};

inline constexpr double kMinCoverage = 0.80;
inline constexpr double kFreshnessTtlFactor = 1.5;
inline constexpr double kMaxFailureRate = 0.05;

QualityGates evaluate_quality(const FeatureSpec& spec, const std::vector<FeaturePoint>& window,
                              std::optional<double> coverage, std::optional<Timestamp> newest,
                              const IngestCounts& counts, Timestamp now);

}  // namespace usdcop::fstore
