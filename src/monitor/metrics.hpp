#pragma once
// The process's metrics registry (spec 08, 12: `src/monitor/metrics`, prometheus-cpp). Every
// component of a usdcop process (API server, live engine, scheduler) registers its families
// here, so one /metrics scrape shows them all. Metric names are part of the contract: spec 08.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

namespace usdcop::monitor {

// The one registry of this process (created on first use, never destroyed before exit).
prometheus::Registry& metrics_registry();

// The registry in the Prometheus text exposition format (version 0.0.4).
std::string render_metrics(const prometheus::Registry& registry = metrics_registry());
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// The HTTP metrics of spec 08: http_requests_total{route,method,status} and
// http_request_duration_seconds{route}. `route` is the route template ("/api/v1/models/{id}"),
// never the raw path, so the label set stays bounded whatever clients send.
class HttpMetrics {
 public:
  explicit HttpMetrics(prometheus::Registry& registry = metrics_registry());
  void observe(const std::string& route, const std::string& method, int status, double seconds);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
};

}  // namespace usdcop::monitor
