// usdcop bench api: requests/s and latency percentiles of POST /api/v1/predict and GET
// /api/v1/operations/status over keep-alive loopback, against an in-process API server on a
// scratch database (dropped and re-created) with a deployed random-weight 15-256-256-1 actor
// and a token whose rate limit is raised (spec 12: benchmarks say so); optionally while N
// Server-Sent Events streams are held open (issue 15: 64 streams must not slow /predict).
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <pqxx/pqxx>
#include <string_view>
#include <thread>
#include <vector>

#include "app/caller.hpp"
#include "app/services.hpp"
#include "bench_support.hpp"
#include "cli_context.hpp"
#include "core/sha256.hpp"
#include "features/contract.hpp"
#include "features/norm_stats.hpp"
#include "server/api_server.hpp"
#include "store/connection_pool.hpp"
#include "store/pg_model_registry.hpp"
#include "store/pg_principals.hpp"
#include "trading/mlp_policy.hpp"

namespace usdcop::cli {
namespace {

constexpr const char* kBenchDatabase = "usdcop_bench_api";
using clock_type = std::chrono::steady_clock;

// A run directory in the "usdcop-run-v1" format with random weights and unit statistics.
std::filesystem::path write_bench_run(const std::filesystem::path& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  trading::MlpPolicy::random({256, 256}, 7, 1.0).save(dir);
  features::NormStats s;
  s.feature_order_hash = features::feature_order_hash();
  s.train_start = *parse_date("2020-01-02");
  s.train_end = *parse_date("2024-12-30");
  for (auto& f : s.stats) f = {0.0, 1.0};
  for (auto& p : s.psi) {
    for (int k = 0; k < features::kPsiEdges; ++k) p.edges[static_cast<std::size_t>(k)] = k - 4.0;
    p.proportions.fill(0.1);
  }
  std::ofstream(dir / "norm_stats.json", std::ios::binary) << features::to_canonical_json(s);
  std::ofstream(dir / "config.yaml") << "experiment: bench_api\n";
  nlohmann::json artifacts;
  for (const char* f : {"actor.json", "actor.bin", "norm_stats.json", "config.yaml"})
    artifacts[f] = sha256_file_hex(dir / f);
  const nlohmann::json run = {{"format", "usdcop-run-v1"},
                              {"run_id", "bench_api_actor"},
                              {"experiment", "bench_api"},
                              {"algorithm", "ppo"},
                              {"seed", 7},
                              {"builder_version", std::string(features::kBuilderVersion)},
                              {"feature_order_hash", features::feature_order_hash()},
                              {"norm_stats_hash", artifacts["norm_stats.json"]},
                              {"dataset_hash", std::string(64, '0')},
                              {"model_hash", artifacts["actor.bin"]},
                              {"training_start", "2020-01-02"},
                              {"training_end", "2024-12-30"},
                              {"artifacts", artifacts}};
  std::ofstream(dir / "run.json") << run.dump(2);
  return dir;
}

double process_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct LoadResult {
  long ok = 0, failed = 0;
  double seconds = 0;
  double client_cpu_s = 0, process_cpu_s = 0;  // the clients' threads; the whole process
  std::vector<double> latencies_ms;
};

// `connections` keep-alive clients in parallel for `seconds`.
LoadResult load(int port, int connections, double seconds, const std::string& token,
                const std::string& method, const std::string& path, const std::string& body) {
  std::vector<LoadResult> parts(static_cast<std::size_t>(connections));
  const auto start = clock_type::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  const double process_cpu0 = process_cpu_s();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      auto& part = parts[static_cast<std::size_t>(c)];
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      const httplib::Headers headers{{"Authorization", "Bearer " + token}};
      const double cpu0 = thread_cpu_s();
      while (clock_type::now() < end) {
        const auto t0 = clock_type::now();
        const auto r = method == "POST" ? client.Post(path, headers, body, "application/json")
                                        : client.Get(path, headers);
        const double ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
        if (r && r->status == 200) {
          ++part.ok;
          part.latencies_ms.push_back(ms);
        } else {
          ++part.failed;
        }
      }
      part.client_cpu_s = thread_cpu_s() - cpu0;
    });
  }
  for (auto& t : threads) t.join();
  LoadResult all;
  all.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  all.process_cpu_s = process_cpu_s() - process_cpu0;
  for (auto& p : parts) {
    all.client_cpu_s += p.client_cpu_s;
    all.ok += p.ok;
    all.failed += p.failed;
    all.latencies_ms.insert(all.latencies_ms.end(), p.latencies_ms.begin(), p.latencies_ms.end());
  }
  std::sort(all.latencies_ms.begin(), all.latencies_ms.end());
  return all;
}

nlohmann::json summary(const LoadResult& r) {
  auto pct = [&](double q) {
    if (r.latencies_ms.empty()) return 0.0;
    return r.latencies_ms[std::min(r.latencies_ms.size() - 1,
                                   static_cast<std::size_t>(q * r.latencies_ms.size()))];
  };
  return {{"requests", r.ok},
          {"failed", r.failed},
          {"req_per_s", r.seconds > 0 ? r.ok / r.seconds : 0.0},
          {"p50_ms", pct(0.50)},
          {"p99_ms", pct(0.99)},
          {"max_ms", r.latencies_ms.empty() ? 0.0 : r.latencies_ms.back()},
          // CPU per request, microseconds: the load clients' threads and the server's rest of
          // the process (the database's backends are not counted).
          {"client_cpu_us_per_request", r.ok > 0 ? 1e6 * r.client_cpu_s / r.ok : 0.0},
          {"server_cpu_us_per_request",
           r.ok > 0 ? 1e6 * (r.process_cpu_s - r.client_cpu_s) / r.ok : 0.0}};
}

struct Opts {
  double seconds = 5;
  int connections = 4;
  int threads = 16;
  int sse_streams = 0;  // open GET /signals/stream connections held during the measurement
  bool json = false;
};

// `count` Server-Sent Events clients of GET /api/v1/signals/stream, each on its own thread,
// reading until destroyed; counts the streams that opened and the heartbeats they received.
class OpenStreams {
 public:
  OpenStreams(int port, int count, const std::string& token) {
    for (int i = 0; i < count; ++i)
      threads_.emplace_back([this, port, token] {
        httplib::Client client("127.0.0.1", port);
        client.set_read_timeout(60, 0);
        bool counted = false;
        client.Get("/api/v1/signals/stream", {{"Authorization", "Bearer " + token}},
                   [&](const char* data, std::size_t n) {
                     const std::string_view chunk(data, n);
                     if (!counted && chunk.find(": stream open") != std::string_view::npos) {
                       counted = true;
                       ++opened_;
                     }
                     if (chunk.find(": heartbeat") != std::string_view::npos) ++heartbeats_;
                     return !leaving_;
                   });
      });
    // Wait (at most 10 s) until every stream is open, so the measurement runs with all of them.
    for (int i = 0; i < 1000 && opened_ < count; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~OpenStreams() {
    leaving_ = true;  // each client leaves at its next heartbeat
    for (auto& t : threads_) t.join();
  }
  int opened() const { return opened_; }
  long heartbeats() const { return heartbeats_; }

 private:
  std::atomic<int> opened_{0};
  std::atomic<long> heartbeats_{0};
  std::atomic<bool> leaving_{false};
  std::vector<std::thread> threads_;
};

nlohmann::json run_bench(const Opts& o) {
  app::Services services(fresh_bench_database(kBenchDatabase));
  auto& pool = services.pool();
  auto& principals = services.principals();
  const auto token = principals.bootstrap({"bench", "bench-api", {}, 1, 10'000'000});
  const auto dir = write_bench_run(std::filesystem::temp_directory_path() / "usdcop_bench_api_run");
  store::PgModelRegistry(pool).register_run(dir, {"bench", "admin", app::new_request_id("bench")});
  // Setup only, in the scratch database: the measured path is the request, not the promotion.
  {
    auto conn = pool.acquire();
    pqxx::work tx(*conn);
    tx.exec(
        "UPDATE ml.model_registry SET status = 'deployed', was_production = true, "
        "deployed_at = now() WHERE model_id = 'bench_api_actor'");
    tx.commit();
  }
  server::ApiConfig config;
  config.port = 0;
  config.request_threads = o.threads;
  config.max_streams = std::max(config.max_streams, o.sse_streams);
  config.sse_heartbeat = std::chrono::seconds(1);  // open streams write every second
  server::ApiServer api(config, services);
  const int port = api.start();
  nlohmann::json features = nlohmann::json::array();
  for (int i = 0; i < features::kObservationSize; ++i) features.push_back(i == 13 ? 0.0 : 0.1 * i);
  const std::string body =
      nlohmann::json{{"features", features}, {"model_id", "ppo_primary"}}.dump();
  load(port, 1, 0.5, token.secret, "POST", "/api/v1/predict", body);  // warm-up: model load
  const auto streams = std::make_unique<OpenStreams>(port, o.sse_streams, token.secret);
  nlohmann::json out;
  out["predict"] =
      summary(load(port, o.connections, o.seconds, token.secret, "POST", "/api/v1/predict", body));
  out["operations_status"] = summary(
      load(port, o.connections, o.seconds, token.secret, "GET", "/api/v1/operations/status", ""));
  out["setup"] = {{"connections", o.connections},
                  {"seconds", o.seconds},
                  {"server_request_threads", o.threads},
                  {"sse_streams_open", streams->opened()},
                  {"sse_heartbeat_ms", 1000},
                  {"token_rate_limit_per_minute", 10'000'000},
                  {"cores", std::thread::hardware_concurrency()},
                  {"note", "client and server share this machine's cores"}};
  out["setup"]["sse_heartbeats_received"] = streams->heartbeats();
  const auto lookups = principals.lookup_counters();
  out["setup"]["token_lookups"] = lookups.lookups;
  out["setup"]["token_lookup_statements"] = lookups.statements;
  api.stop();  // ends the streams, so the clients leave at once
  std::filesystem::remove_all(dir);
  return out;
}

void add_bench_api(CLI::App& app) {
  auto o = std::make_shared<Opts>();
  auto* c = app.get_subcommand("bench")->add_subcommand(
      "api", "HTTP API: POST /predict and GET /operations/status over keep-alive loopback");
  c->add_option("--seconds", o->seconds, "Seconds per endpoint (default 5)")
      ->check(CLI::Range(0.5, 600.0));
  c->add_option("--connections", o->connections, "Keep-alive client connections (default 4)")
      ->check(CLI::Range(1, 256));
  c->add_option("--threads", o->threads, "Server request threads (default 16)")
      ->check(CLI::Range(2, 256));
  c->add_option("--sse-streams", o->sse_streams,
                "Hold N open GET /signals/stream event streams while measuring (default 0)")
      ->check(CLI::Range(0, 1024));
  c->add_flag("--json", o->json, "Machine-readable output");
  c->callback([o] {
    const auto out = run_bench(*o);
    if (o->json) return print_json(out);
    std::cout << out.dump(2) << "\n";
  });
}

const CommandRegistration reg{62, add_bench_api};

}  // namespace
}  // namespace usdcop::cli
