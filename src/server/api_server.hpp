#pragma once
// The HTTP API server (spec 07) on cpp-httplib: routes of server/routes.hpp over the process's
// app::Services (the same use cases and database pool as the CLI). bind() then listen() (usdcop
// serve), or start() on a background thread (tests, benchmarks). stop() is safe from another thread
// (a signal-waiting thread).
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "app/services.hpp"
#include "server/api_config.hpp"

namespace usdcop::server {

class ApiServer {
 public:
  // `services` must outlive the server.
  ApiServer(ApiConfig config, app::Services& services);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds host:port (port 0: any free port) and returns the port. Throws
  // Error(unavailable) when the address cannot be bound.
  int bind();
  // Serves until stop(); returns when the listener has closed.
  void listen();
  // bind() and listen() on a background thread; returns the port.
  int start();
  void stop();

  int port() const { return port_; }
  std::string url() const;  // http://host:port

 private:
  void wait_running();

  struct Impl;
  std::unique_ptr<Impl> impl_;
  ApiConfig config_;
  int port_ = 0;
  std::atomic<bool> listening_{false};
  std::thread thread_;
};

}  // namespace usdcop::server
