#include "server/api_server.hpp"

#include <httplib.h>

#include <chrono>

#include "core/error.hpp"
#include "monitor/metrics.hpp"
#include "server/gatekeeper.hpp"
#include "server/production_predictor.hpp"
#include "server/router.hpp"
#include "server/routes.hpp"
#include "server/state_cache.hpp"
#include "server/streams.hpp"

namespace usdcop::server {

struct ApiServer::Impl {
  Impl(const ApiConfig& config, app::Services& services)
      : gate(services, config),
        router(http, gate, metrics, config),
        state(services.pool().url()),
        predictor(services.pool(), &state),
        streams(services, config),
        api{services, services.pool(), config, predictor, state, &streams} {}
  httplib::Server http;
  Gatekeeper gate;
  monitor::HttpMetrics metrics;
  Router router;
  StateCache state;
  ProductionPredictor predictor;
  Streams streams;
  ApiContext api;
};

ApiServer::ApiServer(ApiConfig config, app::Services& services) : config_(std::move(config)) {
  impl_ = std::make_unique<Impl>(config_, services);
  auto& http = impl_->http;
  const auto threads = static_cast<std::size_t>(config_.thread_pool_size());
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, which lets a second server bind
  // the same port and silently take half of the connections.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and the
  // peer's delayed ACK add ~40 ms to keep-alive requests.
  http.set_tcp_nodelay(true);
  http.set_payload_max_length(config_.max_body_bytes);
  http.set_keep_alive_max_count(config_.keep_alive_max_requests);
  http.set_keep_alive_timeout(config_.keep_alive_timeout.count());
  http.set_read_timeout(10, 0);
  http.set_write_timeout(10, 0);
  auto& r = impl_->router;
  auto& api = impl_->api;
  add_system_routes(r, api);
  add_operations_routes(r, api);
  add_models_routes(r, api);
  add_promotion_routes(r, api);
  add_market_routes(r, api);
  add_predict_routes(r, api);
  add_audit_routes(r, api);
  add_trading_routes(r, api);
  add_engine_routes(r, api);
  add_feature_routes(r, api);
  add_liquidity_routes(r, api);
  add_backtest_routes(r, api);
  add_stream_routes(r, api);
  r.install_fallbacks();
}

ApiServer::~ApiServer() {
  stop();
  if (thread_.joinable()) thread_.join();
}

int ApiServer::bind() {
  auto& http = impl_->http;
  const int port = config_.port == 0
                       ? http.bind_to_any_port(config_.host)
                       : (http.bind_to_port(config_.host, config_.port) ? config_.port : -1);
  if (port <= 0)
    throw Error(ErrorKind::unavailable,
                "cannot listen on " + config_.host + ":" + std::to_string(config_.port) +
                    " (address in use or not local)",
                "port");
  port_ = port;
  return port_;
}

void ApiServer::listen() {
  listening_ = true;
  impl_->http.listen_after_bind();
  listening_ = false;
}

int ApiServer::start() {
  const int port = bind();
  listening_ = true;
  thread_ = std::thread([this] { listen(); });
  wait_running();
  return port;
}

void ApiServer::wait_running() {
  // cpp-httplib's stop() only acts on a running listener: wait for the accept loop.
  for (int i = 0; i < 5000 && listening_ && !impl_->http.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void ApiServer::stop() {
  impl_->streams.stop();  // ends open event streams at once instead of at their next heartbeat
  if (!listening_) return;
  wait_running();
  impl_->http.stop();
}

std::string ApiServer::url() const {
  const bool v6 = config_.host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + config_.host + "]" : config_.host) + ":" + std::to_string(port_);
}

}  // namespace usdcop::server
