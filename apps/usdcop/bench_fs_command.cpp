// usdcop bench fs: the feature store and the regime through the library (--http: publish
// through POST /api/features/v1/publish instead):
// publish throughput in batches of 1,000, latest latency, a one-year daily query of the 9
// liquidity feeds, and a full regime recomputation over 5 years of daily data. Scratch
// databases usdcop_bench_fs and usdcop_bench_fs_publish are dropped and re-created.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <sstream>

#include <httplib.h>
#include <time.h>

#include "app/feature_store.hpp"
#include "app/services.hpp"
#include "bench_support.hpp"
#include "cli_context.hpp"
#include "core/error.hpp"
#include "fstore/feature_service.hpp"
#include "liquidity/feed_generator.hpp"
#include "liquidity/regime_pipeline.hpp"
#include "server/api_server.hpp"
#include "store/connection_pool.hpp"
#include "store/pg_feature_repository.hpp"
#include "store/pg_principals.hpp"

namespace usdcop::cli {
namespace {

using steady = std::chrono::steady_clock;

double since_s(steady::time_point t0) {
  return std::chrono::duration<double>(steady::now() - t0).count();
}

// CPU seconds of this whole process (client and in-process server threads).
double process_cpu_s() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

struct Percentiles {
  double p50_ms, p99_ms, max_ms;
};
Percentiles percentiles(std::vector<double> s) {
  std::sort(s.begin(), s.end());
  const auto at = [&](double p) {
    return s[static_cast<std::size_t>(p * static_cast<double>(s.size() - 1))] * 1e3;
  };
  return {at(0.5), at(0.99), s.back() * 1e3};
}

// CPU seconds used so far by the server backends of this database (utime + stime from /proc;
// the managed cluster runs on this machine). On a shared machine wall time also counts other
// processes' turns; client + server CPU time is what the work itself costs.
double backends_cpu_s(store::ConnectionPool& pool) {
  std::vector<int> pids;
  {
    auto conn = pool.acquire();
    pqxx::nontransaction tx(*conn);
    for (const auto& r :
         tx.exec("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))
      pids.push_back(r[0].as<int>());
  }
  double ticks = 0;
  for (const int pid : pids) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::string f;
    for (int i = 3; i <= 15 && fields >> f; ++i)
      if (i == 14 || i == 15) ticks += std::stod(f);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

fstore::FeatureServiceOptions bench_options() {
  fstore::FeatureServiceOptions o;
  o.retention_days = 3650;
  return o;
}

liquidity::RegimeConfig catalog_config(const std::vector<fstore::FeatureSpec>& specs) {
  return liquidity::with_catalog_ttls(
      liquidity::RegimeConfig::load_file(liquidity::RegimeConfig::default_path()), specs);
}

// Batches of 1,000 points of the 9 liquidity feeds, minute spacing from 9 days ago, values
// inside the expected ranges: the same for the library and the HTTP benchmark.
std::vector<std::vector<fstore::FeaturePoint>> bench_batches(
    int batches, const std::vector<fstore::FeatureSpec>& specs) {
  const auto feeds = liquidity::RegimeConfig::defaults().feeds;
  std::vector<double> mid;
  for (const auto& f : feeds)
    for (const auto& s : specs)
      if (s.id == f.feature_id) mid.push_back((s.range_lo + s.range_hi) / 2);
  const Timestamp base = now_utc() - std::chrono::days(9);
  std::vector<std::vector<fstore::FeaturePoint>> all(static_cast<std::size_t>(batches));
  for (int b = 0; b < batches; ++b) {
    for (int k = 0; k < 1000; ++k) {
      const int n = b * 1000 + k;
      const auto f = static_cast<std::size_t>(n % 9);
      fstore::FeaturePoint p;
      p.feature_id = feeds[f].feature_id;
      p.ts = base + std::chrono::minutes(n / 9);
      p.value = mid[f] * (1 + 0.001 * (n % 17));
      all[static_cast<std::size_t>(b)].push_back(std::move(p));
    }
  }
  return all;
}

nlohmann::json bench_publish(int batches) {
  store::ConnectionPool pool(fresh_bench_database("usdcop_bench_fs_publish"), 2);
  store::PgFeatureRepository repo(pool);
  const auto specs = fstore::load_catalog_file(fstore::default_catalog_path());
  repo.apply_catalog(specs);
  fstore::FeatureService service(repo, system_clock(), bench_options());
  const auto all = bench_batches(batches, specs);
  const Timestamp base = all[0][0].ts;
  std::vector<double> batch_s;
  long stored = 0, unchanged = 0;
  // Warm-up outside the timing: connections open, catalog loaded, the first day's partition.
  auto warm = all[0][0];
  warm.ts -= std::chrono::minutes(1);
  service.publish({warm});
  repo.create_day_partition(std::chrono::floor<std::chrono::days>(base));
  const double server0 = backends_cpu_s(pool), client0 = thread_cpu_s();
  const auto t0 = steady::now();
  for (const auto& batch : all) {
    const auto tb = steady::now();
    stored += service.publish(batch).stored;
    batch_s.push_back(since_s(tb));
  }
  const double first = since_s(t0);
  const double client_cpu = thread_cpu_s() - client0, server_cpu = backends_cpu_s(pool) - server0;
  const auto t1 = steady::now();
  for (const auto& batch : all) unchanged += service.publish(batch).unchanged;
  const double again = since_s(t1);
  const double points = batches * 1000.0;
  const auto pb = percentiles(batch_s);
  return {{"points", points},
          {"stored", stored},
          {"points_per_s", points / first},
          {"client_cpu_s", client_cpu},
          {"server_cpu_s", server_cpu},
          {"points_per_cpu_s", points / (client_cpu + server_cpu)},
          {"batch_ms_p50", pb.p50_ms},
          {"batch_ms_p99", pb.p99_ms},
          {"republish_points_per_s", points / again},
          {"republish_unchanged", unchanged}};
}

// The same batches through POST /api/features/v1/publish of an in-process server on loopback
// (one keep-alive connection, bodies serialized before the clock starts), with a token whose
// rate limit is raised (spec 12: benchmarks say so).
nlohmann::json bench_publish_http(int batches) {
  app::Services services(fresh_bench_database("usdcop_bench_fs_http"));
  const auto token = services.principals().bootstrap({"bench", "bench-fs", {}, 1, 10'000'000});
  app::FeatureStore(services).apply_catalog_file(fstore::default_catalog_path());
  server::ApiConfig config;
  config.port = 0;
  server::ApiServer api(config, services);
  const int port = api.start();
  const auto all =
      bench_batches(batches, fstore::load_catalog_file(fstore::default_catalog_path()));
  std::vector<std::string> bodies;
  for (const auto& batch : all) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& p : batch) arr.push_back(p.to_json());
    bodies.push_back(arr.dump());
  }
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(120, 0);
  const httplib::Headers headers{{"Authorization", "Bearer " + token.secret}};
  const auto post = [&](const std::string& body) {
    const auto r = client.Post("/api/features/v1/publish", headers, body, "application/json");
    if (!r || r->status != 200)
      throw Error(ErrorKind::internal, "bench: publish over HTTP failed: " +
                                           (r ? std::to_string(r->status) + " " + r->body
                                              : httplib::to_string(r.error())));
    return nlohmann::json::parse(r->body);
  };
  post(nlohmann::json::array({all[0][0].to_json()}).dump());  // warm-up, partition of day one
  std::vector<double> batch_s;
  long stored = 0, unchanged = 0;
  const double server0 = backends_cpu_s(services.pool());
  const double process0 = process_cpu_s();
  const auto t0 = steady::now();
  for (std::size_t b = 1; b < bodies.size(); ++b) {
    const auto tb = steady::now();
    stored += post(bodies[b]).at("stored").get<long>();
    batch_s.push_back(since_s(tb));
  }
  const double first = since_s(t0);
  const double cpu = process_cpu_s() - process0 + backends_cpu_s(services.pool()) - server0;
  const auto t1 = steady::now();
  for (std::size_t b = 1; b < bodies.size(); ++b)
    unchanged += post(bodies[b]).at("unchanged").get<long>();
  const double again = since_s(t1);
  const double points = (batches - 1) * 1000.0;
  const auto pb = percentiles(batch_s.empty() ? std::vector<double>{0} : batch_s);
  return {{"points", points},
          {"stored", stored},
          {"points_per_s", points / first},
          {"points_per_cpu_s", points / cpu},
          {"batch_ms_p50", pb.p50_ms},
          {"batch_ms_p99", pb.p99_ms},
          {"republish_points_per_s", points / again},
          {"republish_unchanged", unchanged}};
}

nlohmann::json bench_reads(int latest_calls, int query_reps) {
  store::ConnectionPool pool(fresh_bench_database("usdcop_bench_fs"), 2);
  store::PgFeatureRepository repo(pool);
  repo.apply_catalog(fstore::load_catalog_file(fstore::default_catalog_path()));
  fstore::FeatureService service(repo, system_clock(), bench_options());
  const Date today = std::chrono::floor<std::chrono::days>(now_utc());
  liquidity::publish_seed(service, liquidity::generate_feeds(366, 1, today), 1);
  const auto ids = liquidity::RegimeConfig::defaults().feature_ids();
  std::vector<double> lat;
  for (int i = 0; i < latest_calls; ++i) {
    const auto t = steady::now();
    const auto r = service.latest(ids[static_cast<std::size_t>(i) % ids.size()]);
    lat.push_back(since_s(t));
    if (!r.point) throw Error(ErrorKind::internal, "bench: no latest point");
  }
  fstore::QueryRequest q;
  q.feature_ids = ids;
  q.until = utc_midnight(today) + std::chrono::days(1);
  q.since = *q.until - std::chrono::days(365);
  std::vector<double> qs;
  long received = 0;
  service.query(q);  // warm-up: the session's generic plan
  const double server0 = backends_cpu_s(pool), client0 = thread_cpu_s();
  for (int i = 0; i < query_reps; ++i) {
    const auto t = steady::now();
    const auto r = service.query(q);
    qs.push_back(since_s(t));
    received = 0;
    for (const auto& f : r.features) received += f.received;
  }
  const double query_cpu_ms =
      (backends_cpu_s(pool) - server0 + thread_cpu_s() - client0) * 1e3 / query_reps;
  const auto pl = percentiles(lat), pq = percentiles(qs);
  return {{"query_cpu_ms_mean", query_cpu_ms}, {"latest_calls", latest_calls},
          {"latest_ms_p50", pl.p50_ms},        {"latest_ms_p99", pl.p99_ms},
          {"latest_ms_max", pl.max_ms},        {"query_reps", query_reps},
          {"query_points", received},          {"query_ms_p50", pq.p50_ms},
          {"query_ms_p99", pq.p99_ms},         {"query_ms_max", pq.max_ms}};
}

nlohmann::json bench_regime(int repeat) {
  const auto cfg = catalog_config(fstore::load_catalog_file(fstore::default_catalog_path()));
  const Date today = std::chrono::floor<std::chrono::days>(now_utc());
  const auto series = liquidity::generate_feeds(5 * 365 + 1, 1, today);
  double best = 1e300, cpu_best = 1e300;
  std::size_t days = 0;
  for (int i = 0; i < repeat; ++i) {
    const double c0 = thread_cpu_s();
    const auto t = steady::now();
    const auto r = liquidity::compute_regime(cfg, series, today);
    best = std::min(best, since_s(t));
    cpu_best = std::min(cpu_best, thread_cpu_s() - c0);
    days = r.size();
  }
  return {{"grid_days", days},
          {"recompute_ms_best", best * 1e3},
          {"recompute_cpu_ms_best", cpu_best * 1e3}};
}

}  // namespace

void add_bench_fs(CLI::App& bench) {
  struct Opts {
    int batches = 100, latest = 5000, queries = 50, repeat = 5;
    bool json = false, http = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = bench.add_subcommand(
      "fs", "Feature store and regime through the library (publish, latest, query, recompute)");
  c->add_option("--batches", o->batches, "Publish batches of 1,000 points")
      ->check(CLI::Range(1, 10000));
  c->add_option("--latest", o->latest, "latest calls")->check(CLI::Range(10, 1000000));
  c->add_option("--queries", o->queries, "One-year queries")->check(CLI::Range(1, 10000));
  c->add_option("--repeat", o->repeat, "Regime recomputations (best reported)")
      ->check(CLI::Range(1, 100));
  c->add_flag("--json", o->json, "Machine-readable output");
  c->add_flag("--http", o->http,
              "Publish only, over HTTP: POST /api/features/v1/publish on an in-process server");
  c->callback([o] {
    if (o->http) {
      const auto h = bench_publish_http(o->batches);
      if (o->json) {
        print_json({{"publish_http", h}});
        return;
      }
      std::cout << "publish (HTTP, batches of 1,000): " << h["points_per_s"].get<double>()
                << " points/s wall, " << h["points_per_cpu_s"].get<double>()
                << " points per CPU second of client + server + database (batch p50 "
                << h["batch_ms_p50"].get<double>() << " ms, p99 " << h["batch_ms_p99"].get<double>()
                << " ms); identical re-publication " << h["republish_points_per_s"].get<double>()
                << " points/s\n";
      return;
    }
    const nlohmann::json j{{"publish", bench_publish(o->batches)},
                           {"reads", bench_reads(o->latest, o->queries)},
                           {"regime", bench_regime(o->repeat)}};
    if (o->json) {
      print_json(j);
      return;
    }
    std::cout << "publish (library, batches of 1,000): "
              << j["publish"]["points_per_s"].get<double>() << " points/s wall, "
              << j["publish"]["points_per_cpu_s"].get<double>()
              << " points per CPU second of client + server (batch p50 "
              << j["publish"]["batch_ms_p50"].get<double>() << " ms, p99 "
              << j["publish"]["batch_ms_p99"].get<double>() << " ms); identical re-publication "
              << j["publish"]["republish_points_per_s"].get<double>() << " points/s\n"
              << "latest: p50 " << j["reads"]["latest_ms_p50"].get<double>() << " ms, p99 "
              << j["reads"]["latest_ms_p99"].get<double>() << " ms\n"
              << "one-year daily query of the 9 feeds (" << j["reads"]["query_points"].get<long>()
              << " points): p50 " << j["reads"]["query_ms_p50"].get<double>() << " ms, p99 "
              << j["reads"]["query_ms_p99"].get<double>() << " ms (CPU "
              << j["reads"]["query_cpu_ms_mean"].get<double>() << " ms per query)\n"
              << "regime recomputation over 5 years (" << j["regime"]["grid_days"].get<long>()
              << " grid days): " << j["regime"]["recompute_ms_best"].get<double>() << " ms\n";
  });
}

}  // namespace usdcop::cli
