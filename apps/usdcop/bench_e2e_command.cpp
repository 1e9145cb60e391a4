// usdcop bench e2e: the live path end to end on a scratch database. Real bars from the start of
// 2025 are inserted one at a time through the bar importer (the replay feed's path); after each
// commit the engine catches up (L1 features, L5 decision with a 15-256-256-1 random actor) and
// the time from the bar's commit to the decision's commit is recorded. In-process, so this is
// the engine's share of spec 06's latency budget (a NOTIFY adds its own, see EVENTS.md).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <pqxx/pqxx>
#include <thread>

#include "bench_support.hpp"
#include "cli_context.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "features/csv_inputs.hpp"
#include "live/engine.hpp"
#include "market/csv_source.hpp"
#include "market/macro_catalog.hpp"
#include "store/connection_pool.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_listener.hpp"
#include "store/pg_live_store.hpp"
#include "store/pg_macro_store.hpp"
#include "store/pg_operations_control.hpp"
#include "trading/mlp_policy.hpp"

namespace usdcop::cli {
namespace {

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

// Kill committed -> the engine's LISTEN session has the new mode (spec 06: < 10 ms). Each cycle
// kills through PgOperationsControl (what `ops kill` runs) and resumes; a listener thread, as in
// the engine, stamps the operations_mode notification's arrival. A decision begun after the
// commit reads KILLED in any case (FOR SHARE in its transaction): this is the wake-up path.
nlohmann::json kill_latency(store::ConnectionPool& pool, long cycles) {
  store::PgListener listener(pool.url(), {events::Channel::operations_mode});
  std::atomic<std::chrono::steady_clock::rep> killed_at{0};
  listener.on_event([&](const events::Event& e) {
    const auto* m = std::get_if<events::OperationsModeChanged>(&e);
    if (m != nullptr && m->mode == trading::OperationsMode::kKilled)
      killed_at = std::chrono::steady_clock::now().time_since_epoch().count();
  });
  listener.connect();
  std::atomic<bool> stop{false};
  std::thread receiver([&] {
    while (!stop.load()) listener.wait(std::chrono::milliseconds(50));
  });
  store::PgOperationsControl ops(pool);
  const store::Actor actor{"bench-e2e", "system", ""};
  std::vector<double> committed_ms, call_ms;
  for (long k = 0; k < cycles; ++k) {
    killed_at = 0;
    const auto t0 = std::chrono::steady_clock::now();
    ops.kill("bench e2e: kill latency", actor, {}, false);
    const auto t1 = std::chrono::steady_clock::now();
    const auto deadline = t1 + std::chrono::seconds(10);
    while (killed_at.load() == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    if (killed_at.load() != 0) {
      const std::chrono::steady_clock::time_point seen{
          std::chrono::steady_clock::duration(killed_at.load())};
      committed_ms.push_back(
          std::max(0.0, std::chrono::duration<double, std::milli>(seen - t1).count()));
      call_ms.push_back(std::chrono::duration<double, std::milli>(seen - t0).count());
    }
    ops.resume("bench e2e: kill latency", actor, store::kResumeConfirmation);
  }
  stop = true;
  listener.wake();
  receiver.join();
  return {{"cycles", cycles},
          {"seen", committed_ms.size()},
          {"committed_to_seen_ms",
           {{"p50", quantile(committed_ms, 0.5)},
            {"p99", quantile(committed_ms, 0.99)},
            {"max", quantile(committed_ms, 1.0)}}},
          {"call_to_seen_ms", {{"p50", quantile(call_ms, 0.5)}, {"p99", quantile(call_ms, 0.99)}}}};
}

void run_bench_e2e(long n, long kill_cycles, bool json) {
  const std::string url = fresh_bench_database("usdcop_bench_e2e");
  store::ConnectionPool pool(url, 4);
  store::PgBarStore bars(pool);
  store::PgMacroStore macro(pool);
  const auto catalog = market::MacroCatalog::load();
  {
    market::MacroImporter importer(macro, catalog, "bench");
    market::read_macro_csv(shared_file("macro_daily_dev.csv.gz"), catalog, importer);
    importer.finish();
  }
  std::vector<market::Bar> input;
  for (const auto& b : features::read_bars_csv(shared_file("usdcop_m5_dev.csv.gz"))) {
    if (b.time < *parse_timestamp("2025-01-02T00:00:00Z")) continue;
    if (static_cast<long>(input.size()) == n) break;
    input.push_back(b);
  }
  store::PgLiveStore live_store(pool);
  live::Engine engine(live_store, macro, catalog, bench_model(pool, "bench_e2e"), {});
  engine.start();
  std::vector<double> e2e_ms, import_ms;
  const auto t_start = std::chrono::steady_clock::now();
  for (const auto& bar : input) {
    const auto t0 = std::chrono::steady_clock::now();
    market::BarImporter importer(bars, {"bench", false, 0.05, market::default_bar_time_window()});
    importer.add_bar(bar, 0, "");
    importer.finish();
    const auto t1 = std::chrono::steady_clock::now();
    engine.catch_up();
    const auto t2 = std::chrono::steady_clock::now();
    import_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    e2e_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
  }
  const double total_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  nlohmann::json j = {
      {"bars", input.size()},
      {"decisions", engine.counters().decisions},
      {"e2e_ms",
       {{"p50", quantile(e2e_ms, 0.5)},
        {"p95", quantile(e2e_ms, 0.95)},
        {"p99", quantile(e2e_ms, 0.99)},
        {"max", quantile(e2e_ms, 1.0)}}},
      {"import_ms", {{"p50", quantile(import_ms, 0.5)}, {"p99", quantile(import_ms, 0.99)}}},
      {"bars_per_s", static_cast<double>(input.size()) / total_s}};
  if (kill_cycles > 0) j["kill_latency"] = kill_latency(pool, kill_cycles);
  if (json) {
    print_json(j);
    return;
  }
  std::cout << "bench e2e: " << input.size() << " bars, bar commit -> decision commit p50 "
            << j["e2e_ms"]["p50"] << " ms, p95 " << j["e2e_ms"]["p95"] << " ms, p99 "
            << j["e2e_ms"]["p99"] << " ms, max " << j["e2e_ms"]["max"] << " ms; import p50 "
            << j["import_ms"]["p50"] << " ms; " << j["bars_per_s"] << " bars/s end to end\n";
  if (kill_cycles > 0)
    std::cout << "kill committed -> operations_mode received: p50 "
              << j["kill_latency"]["committed_to_seen_ms"]["p50"] << " ms, p99 "
              << j["kill_latency"]["committed_to_seen_ms"]["p99"] << " ms over " << kill_cycles
              << " kills\n";
}

void add_bench_e2e(CLI::App& app) {
  auto* bench = app.get_subcommand("bench");
  auto n = std::make_shared<long>(1000);
  auto json = std::make_shared<bool>(false);
  auto kills = std::make_shared<long>(20);
  auto* c = bench->add_subcommand(
      "e2e", "Live path: bar commit -> production decision commit latency (scratch database)");
  c->add_option("--bars", *n, "Bars to insert one by one (default 1000)")
      ->check(CLI::Range(100L, 100000L));
  c->add_option("--kill-cycles", *kills,
                "Kill/resume cycles measuring kill committed -> mode seen (default 20; 0: none)")
      ->check(CLI::Range(0L, 10000L));
  c->add_flag("--json", *json, "Machine-readable output");
  c->callback([n, kills, json] { run_bench_e2e(*n, *kills, *json); });
}

const CommandRegistration reg{68, add_bench_e2e};

}  // namespace
}  // namespace usdcop::cli
