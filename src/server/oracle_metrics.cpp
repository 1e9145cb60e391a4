#include "server/oracle_metrics.hpp"

#include <set>

namespace usdcop::server {

namespace {

prometheus::Family<prometheus::Gauge>& gauge(prometheus::Registry& r, const char* name,
                                             const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

prometheus::Family<prometheus::Counter>& counter(prometheus::Registry& r, const char* name,
                                                 const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

}  // namespace

OracleMetrics::OracleMetrics(prometheus::Registry& r)
    : ingest_(counter(r, "feature_ingest_total", "Feature points accepted by publish")),
      ingest_fail_(counter(r, "feature_ingest_fail_total", "Feature points rejected by publish")),
      freshness_(gauge(r, "feature_freshness_seconds", "Age of the newest point of a feature")),
      coverage_(gauge(r, "feature_coverage_ratio", "Points received / expected (last query)")),
      storage_(gauge(r, "feature_storage_size_bytes", "Feature store size by storage layer")),
      query_duration_(prometheus::BuildHistogram()
                          .Name("feature_query_duration_seconds")
                          .Help("Feature-store API handling time by endpoint")
                          .Register(r)),
      liquidity_score_(gauge(r, "liquidity_score", "Smoothed regime score and components")),
      regime_state_(gauge(r, "liquidity_regime_state", "1 for the published regime state")),
      component_z_(gauge(r, "liquidity_component_zscore", "Z-score of each liquidity feed")),
      coherence_(gauge(r, "liquidity_coherence", "Share of components agreeing with the score")) {}

void OracleMetrics::published(const nlohmann::json& body, const fstore::PublishResult& result) {
  // Indices whose feature id was unreadable or unknown count under feature="".
  std::set<std::size_t> unknown;
  for (const auto& e : result.errors)
    if (e.reason.rfind("featureId:", 0) == 0) unknown.insert(e.index);
  std::vector<fstore::FeaturePoint> ids(body.is_array() ? body.size() : 0);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto& e = body[i];
    if (!unknown.contains(i) && e.is_object() && e.contains("featureId") &&
        e["featureId"].is_string())
      ids[i].feature_id = e["featureId"].get<std::string>();
  }
  for (const auto& s : fstore::publish_metric_samples(ids, result)) {
    auto& family = s.name == "feature_ingest_total" ? ingest_ : ingest_fail_;
    family.Add({s.labels.begin(), s.labels.end()}).Increment(s.value);
  }
}

void OracleMetrics::set_gauges(const std::vector<fstore::MetricSample>& samples) {
  for (const auto& s : samples) {
    auto& family = s.name == "feature_coverage_ratio" ? coverage_ : freshness_;
    family.Add({s.labels.begin(), s.labels.end()}).Set(s.value);
  }
}

void OracleMetrics::freshness(const std::string& feature_id, double seconds) {
  freshness_.Add({{"feature", feature_id}}).Set(seconds);
}

void OracleMetrics::query_duration(const std::string& endpoint, double seconds) {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
  query_duration_.Add({{"endpoint", endpoint}}, kBuckets).Observe(seconds);
}

void OracleMetrics::storage_size(const std::string& layer, double bytes) {
  storage_.Add({{"layer", layer}}).Set(bytes);
}

void OracleMetrics::regime(const std::vector<liquidity::RegimeMetric>& samples) {
  for (const auto& s : samples) {
    if (s.name == "liquidity_coherence") {
      coherence_.Add({}).Set(s.value);
      continue;
    }
    auto& family = s.name == "liquidity_score"          ? liquidity_score_
                   : s.name == "liquidity_regime_state" ? regime_state_
                                                        : component_z_;
    family.Add({{s.label_name, s.label_value}}).Set(s.value);
  }
}

}  // namespace usdcop::server
