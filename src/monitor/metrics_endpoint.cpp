#include "monitor/metrics_endpoint.hpp"

#include <httplib.h>

#include <chrono>
#include <thread>
#include <utility>

#include "core/error.hpp"
#include "monitor/metrics.hpp"

namespace usdcop::monitor {

struct MetricsEndpoint::Impl {
  httplib::Server server;
  std::thread thread;
};

MetricsEndpoint::MetricsEndpoint(const std::string& host, int port,
                                 std::function<HealthReport()> health,
                                 std::function<void()> before_scrape)
    : impl_(std::make_unique<Impl>()) {
  auto& server = impl_->server;
  server.Get("/metrics", [before_scrape = std::move(before_scrape)](const httplib::Request&,
                                                                    httplib::Response& res) {
    if (before_scrape) before_scrape();
    res.set_content(render_metrics(), kMetricsContentType);
  });
  server.Get("/health",
             [health = std::move(health)](const httplib::Request&, httplib::Response& res) {
               const HealthReport h = health ? health() : HealthReport{200, "{\"status\":\"ok\"}"};
               res.status = h.status;
               res.set_content(h.json, "application/json");
             });
  port_ = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (port_ <= 0)
    throw Error(ErrorKind::unavailable,
                "cannot listen on " + host + ":" + std::to_string(port) +
                    " for /metrics and /health (address in use or not local)",
                "metrics_port");
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  // cpp-httplib's stop() only acts on a running accept loop: wait for it (connections made
  // meanwhile wait in the listen backlog).
  for (int i = 0; i < 5000 && !impl_->server.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

MetricsEndpoint::~MetricsEndpoint() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace usdcop::monitor
