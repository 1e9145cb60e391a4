#pragma once
// The metric samples of spec 10 derived from results the library already returns, so that the
// metrics registry (another issue) only has to set or add them:
//   feature_ingest_total{feature}, feature_ingest_fail_total{feature} (counters, increments),
//   feature_freshness_seconds{feature}, feature_coverage_ratio{feature} (gauges).
#include <string>
#include <utility>
#include <vector>

#include "fstore/feature_point.hpp"
#include "fstore/feature_query.hpp"

namespace usdcop::fstore {

struct MetricSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

// Counter increments for one publish batch: accepted and rejected points per feature id
// (rejects without a readable feature id are counted under feature="").
std::vector<MetricSample> publish_metric_samples(const std::vector<FeaturePoint>& points,
                                                 const PublishResult& result);
// Gauges from a query: freshness (newest point's age) and coverage per feature.
std::vector<MetricSample> query_metric_samples(const QueryResult& result);

}  // namespace usdcop::fstore
