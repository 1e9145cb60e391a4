// usdcop serve [--host H] [--port P]: the HTTP API alone (spec 07; `usdcop up` will add the
// live engine). Prints the URL; SIGINT/SIGTERM stop it cleanly (in-flight requests finish).
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "app/services.hpp"
#include "cli_context.hpp"
#include "server/api_server.hpp"

namespace usdcop::cli {
namespace {

bool loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Waits for SIGINT/SIGTERM (blocked in every thread, so only this one receives them) and
// stops the server; gives up when `done` is set.
int wait_for_stop_signal(server::ApiServer& api, const sigset_t& signals,
                         const std::atomic<bool>& done) {
  const timespec poll{0, 200'000'000};
  while (!done) {
    const int sig = sigtimedwait(&signals, nullptr, &poll);
    if (sig > 0) {
      api.stop();
      return sig;
    }
  }
  return 0;
}

void serve(const server::ApiConfig& config) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // inherited by every server thread

  const auto services = app::Services::open();  // cluster running, schema current
  server::ApiServer api(config, *services);
  api.bind();
  if (!loopback(config.host))
    std::cerr << "usdcop: warning: serving on " << config.host
              << ", not loopback: bearer tokens travel in clear text; put TLS in front\n";
  std::cout << "usdcop API listening on " << api.url() << " (Ctrl-C to stop)" << std::endl;
  std::atomic<bool> done{false};
  int stopped_by = 0;
  std::thread waiter([&] { stopped_by = wait_for_stop_signal(api, signals, done); });
  api.listen();
  done = true;
  waiter.join();
  std::cout << "usdcop API stopped"
            << (stopped_by ? " (signal " + std::to_string(stopped_by) + ")" : "") << std::endl;
}

void add_serve_command(CLI::App& app) {
  auto config = std::make_shared<server::ApiConfig>();
  auto* c = app.add_subcommand("serve", "Run the HTTP API (spec 07) until SIGINT/SIGTERM");
  c->add_option("--host", config->host, "Bind address (default 127.0.0.1: loopback only)");
  c->add_option("--port", config->port, "Port (default 8080; 0 picks a free port)")
      ->check(CLI::Range(0, 65535));
  c->add_option("--threads", config->request_threads,
                "Threads answering requests, besides the stream threads (default 16)")
      ->check(CLI::Range(2, 256));
  c->add_option("--max-streams", config->max_streams,
                "Concurrent SSE streams, each holding its own thread (default 64)")
      ->check(CLI::Range(0, 1024));
  c->add_option("--rate-limit", config->rate_limit_per_minute,
                "Requests a minute per token without its own limit (default 1000)")
      ->check(CLI::Range(1, 10'000'000));
  c->add_option("--cors-origin", config->cors_origins,
                "Allow browser calls from this origin (repeatable; default: CORS closed)");
  c->footer(
      "Every /api/v1 route needs a bearer token (usdcop token create); /health and /ready do "
      "not.\nExit status: 0 stopped by SIGINT/SIGTERM; 4 the database or the port is "
      "unavailable.");
  c->callback([config] { serve(*config); });
}

const CommandRegistration reg{90, add_serve_command};

}  // namespace
}  // namespace usdcop::cli
