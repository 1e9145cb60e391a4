#include "monitor/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <memory>

namespace usdcop::monitor {

prometheus::Registry& metrics_registry() {
  // Leaked on purpose: threads still observing during static destruction must not see a
  // destroyed registry.
  static auto* registry = new prometheus::Registry();
  return *registry;
}

std::string render_metrics(const prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

HttpMetrics::HttpMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("http_requests_total")
                    .Help("HTTP requests by route template, method and status")
                    .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("http_request_duration_seconds")
                    .Help("HTTP request handling time by route template")
                    .Register(registry)) {}

void HttpMetrics::observe(const std::string& route, const std::string& method, int status,
                          double seconds) {
  requests_.Add({{"route", route}, {"method", method}, {"status", std::to_string(status)}})
      .Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  duration_.Add({{"route", route}}, kBuckets).Observe(seconds);
}

}  // namespace usdcop::monitor
