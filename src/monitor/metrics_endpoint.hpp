#pragma once
// The small HTTP listener of a process that runs without the API server (`usdcop engine`, spec
// 12; the scheduler later): GET /metrics (the registry, Prometheus text) and GET /health (JSON
// from the owner's probe) on their own port, loopback by default. No authentication: bind it
// to an address that only the monitoring system reaches.
#include <functional>
#include <memory>
#include <string>

namespace usdcop::monitor {

struct HealthReport {
  int status = 200;  // 503 when the process cannot do its work
  std::string json;
};

class MetricsEndpoint {
 public:
  // Runs `before_scrape` (e.g. gauges read from the database) before each /metrics answer.
  // Port 0 takes a free port (port()). Throws Error(unavailable, field "metrics_port") when the
  // address cannot be bound.
  MetricsEndpoint(const std::string& host, int port, std::function<HealthReport()> health,
                  std::function<void()> before_scrape = {});
  ~MetricsEndpoint();  // stops the listener
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace usdcop::monitor
