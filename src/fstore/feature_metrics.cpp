#include "fstore/feature_metrics.hpp"

#include <map>
#include <set>

namespace usdcop::fstore {

std::vector<MetricSample> publish_metric_samples(const std::vector<FeaturePoint>& points,
                                                 const PublishResult& result) {
  std::set<std::size_t> rejected;
  for (const auto& e : result.errors) rejected.insert(e.index);
  std::map<std::string, std::pair<double, double>> per_feature;  // accepted, failed
  for (std::size_t i = 0; i < points.size(); ++i) {
    auto& c = per_feature[points[i].feature_id];
    (rejected.contains(i) ? c.second : c.first) += 1;
  }
  std::vector<MetricSample> out;
  for (const auto& [feature, c] : per_feature) {
    if (c.first > 0) out.push_back({"feature_ingest_total", {{"feature", feature}}, c.first});
    if (c.second > 0)
      out.push_back({"feature_ingest_fail_total", {{"feature", feature}}, c.second});
  }
  return out;
}

std::vector<MetricSample> query_metric_samples(const QueryResult& result) {
  std::vector<MetricSample> out;
  for (const auto& f : result.features) {
    if (f.quality.freshness_s)
      out.push_back(
          {"feature_freshness_seconds", {{"feature", f.feature_id}}, *f.quality.freshness_s});
    if (f.coverage)
      out.push_back({"feature_coverage_ratio", {{"feature", f.feature_id}}, *f.coverage});
  }
  return out;
}

}  // namespace usdcop::fstore
