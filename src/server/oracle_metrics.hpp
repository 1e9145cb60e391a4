#pragma once
// Spec 10's metrics of the feature store and the liquidity regime on the process registry
// (monitor::metrics_registry(), served by GET /metrics). The samples themselves are computed by
// the libraries (fstore/feature_metrics, liquidity/regime_report); this only sets them:
//   feature_ingest_total{feature}, feature_ingest_fail_total{feature} (counters),
//   feature_freshness_seconds{feature}, feature_coverage_ratio{feature},
//   feature_storage_size_bytes{layer} (gauges), feature_query_duration_seconds{endpoint},
//   liquidity_score{block}, liquidity_regime_state{state},
//   liquidity_component_zscore{component}, liquidity_coherence (gauges).
// Feature labels are catalog ids only: rejects without a known feature id count under
// feature="" so that clients cannot grow the label set.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fstore/feature_metrics.hpp"
#include "liquidity/regime_report.hpp"

namespace usdcop::server {

class OracleMetrics {
 public:
  explicit OracleMetrics(prometheus::Registry& registry);

  // Ingest counters of one POST /publish body and its result.
  void published(const nlohmann::json& body, const fstore::PublishResult& result);
  // feature_freshness_seconds / feature_coverage_ratio (gauges) from library samples.
  void set_gauges(const std::vector<fstore::MetricSample>& samples);
  void freshness(const std::string& feature_id, double seconds);
  void query_duration(const std::string& endpoint, double seconds);
  void storage_size(const std::string& layer, double bytes);
  void regime(const std::vector<liquidity::RegimeMetric>& samples);

 private:
  prometheus::Family<prometheus::Counter>& ingest_;
  prometheus::Family<prometheus::Counter>& ingest_fail_;
  prometheus::Family<prometheus::Gauge>& freshness_;
  prometheus::Family<prometheus::Gauge>& coverage_;
  prometheus::Family<prometheus::Gauge>& storage_;
  prometheus::Family<prometheus::Histogram>& query_duration_;
  prometheus::Family<prometheus::Gauge>& liquidity_score_;
  prometheus::Family<prometheus::Gauge>& regime_state_;
  prometheus::Family<prometheus::Gauge>& component_z_;
  prometheus::Family<prometheus::Gauge>& coherence_;
};

}  // namespace usdcop::server
