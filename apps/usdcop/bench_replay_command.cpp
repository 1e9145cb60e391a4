// usdcop bench replay: `engine --replay FILE --speed max` end to end on scratch databases. A
// template database gets a year of real stored bars (2024), the macro file and `features build`
// over them; each run copies it, replays the real dev file's next N rows through the replay
// feed and the live engine (a random-weight actor, no monitor: the parity replays' setup),
// then checks that every row was persisted: one bar, one feature row, one L1 and one L5
// processed event, one equity snapshot per replayed bar. Runs alternate the one-bar path
// (main's before the batch path: one import transaction per row, one L1 and one L5 transaction
// per bar) and the batch path, so that both see the same machine load. `--monitor`: both with
// the automatic monitor on the engine's clock (its pauses and kills audited), as
// `engine --replay` runs by default.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>

#include "app/feature_build.hpp"
#include "bench_support.hpp"
#include "cli_context.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "features/csv_inputs.hpp"
#include "live/engine.hpp"
#include "live/replay_feed.hpp"
#include "market/csv_source.hpp"
#include "market/macro_catalog.hpp"
#include "models/auto_rollback_monitor.hpp"
#include "store/connection_pool.hpp"
#include "store/database.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_live_store.hpp"
#include "store/pg_macro_store.hpp"
#include "store/pg_monitor_actions.hpp"

namespace usdcop::cli {
namespace {

constexpr const char* kTemplate = "usdcop_bench_replay_template";
constexpr const char* kRun = "usdcop_bench_replay_run";
constexpr std::size_t kChunk = 256;  // what `usdcop engine --replay --speed max` uses

struct ReplayRun {
  std::string path;
  double seconds = 0, engine_seconds = 0;
  long rows = 0, inserted = 0, bars = 0, feature_rows = 0, l1_events = 0, l5_events = 0,
       snapshots = 0, decisions = 0, batches = 0;
  bool complete() const {
    return inserted == rows && bars == rows && feature_rows == rows && l1_events == rows &&
           l5_events == rows && snapshots == rows;
  }
  double bars_per_s() const { return seconds > 0 ? static_cast<double>(rows) / seconds : 0; }
};

// The template: a year of history, its features (the checkpoint the engine starts from), the
// macro data and the model; and the replay file of the next `n` rows. Returns the file.
std::filesystem::path prepare(long n) {
  const std::string url = fresh_bench_database(kTemplate);
  store::ConnectionPool pool(url, 8);
  store::PgBarStore bars(pool);
  store::PgMacroStore macro(pool);
  const auto catalog = market::MacroCatalog::load();
  {
    market::MacroImporter importer(macro, catalog, "bench");
    market::read_macro_csv(shared_file("macro_daily_dev.csv.gz"), catalog, importer);
    importer.finish();
  }
  const Timestamp history_from = *parse_timestamp("2024-01-01T00:00:00Z");
  const Timestamp replay_from = *parse_timestamp("2025-01-02T00:00:00Z");
  const auto path = std::filesystem::temp_directory_path() / "usdcop_bench_replay.csv";
  std::ofstream out(path);
  out << "time,open,high,low,close,volume\n";
  out.precision(17);
  market::BarImporter history(bars, {"bench", false, 0.05, market::default_bar_time_window()});
  long written = 0;
  for (const auto& b : features::read_bars_csv(shared_file("usdcop_m5_dev.csv.gz"))) {
    if (b.time < history_from) continue;
    if (b.time < replay_from) {
      history.add_bar(b, 0, "");
    } else if (written < n) {
      out << format_rfc3339(b.time) << "," << b.open << "," << b.high << "," << b.low << ","
          << b.close << "," << b.volume << "\n";
      ++written;
    }
  }
  history.finish();
  if (written < n)
    throw Error(ErrorKind::invalid_input,
                "bars: the dev file has only " + std::to_string(written) + " rows after 2025-01-02",
                "bars");
  app::build_features(pool, {});
  bench_model(pool, "bench_replay");
  return path;
}

// A copy of the template (CREATE DATABASE ... TEMPLATE: a file copy, no replay of the setup).
std::string copy_of_template() {
  const std::string app_url = store::ensure_database_running();
  auto conn = store::open_connection(store::owner_database_url());
  pqxx::nontransaction tx(*conn);
  tx.exec(std::string("DROP DATABASE IF EXISTS ") + kRun + " WITH (FORCE)");
  tx.exec(std::string("CREATE DATABASE ") + kRun + " TEMPLATE " + kTemplate);
  return store::url_with_database(app_url, kRun);
}

void count_rows(store::ConnectionPool& pool, ReplayRun& run) {
  auto c = pool.acquire();
  pqxx::read_transaction tx(*c, "bench_replay_counts");
  const auto r = tx.exec(
      "SELECT (SELECT count(*) FROM market.usdcop_m5_ohlcv WHERE time >= '2025-01-02'), "
      "(SELECT count(*) FROM features.inference_features_5m WHERE time >= '2025-01-02'), "
      "(SELECT count(*) FROM system.processed_events WHERE handler = 'L1'), "
      "(SELECT count(*) FROM system.processed_events WHERE handler = 'L5'), "
      "(SELECT count(*) FROM trading.equity_snapshots), "
      "(SELECT count(*) FROM trading.model_inferences WHERE role = 'production')");
  run.bars = r[0][0].as<long>();
  run.feature_rows = r[0][1].as<long>();
  run.l1_events = r[0][2].as<long>();
  run.l5_events = r[0][3].as<long>();
  run.snapshots = r[0][4].as<long>();
  run.decisions = r[0][5].as<long>();
}

ReplayRun replay_once(const std::filesystem::path& file, bool batch, bool monitored) {
  const std::string url = copy_of_template();
  store::ConnectionPool pool(url, 4);
  store::PgBarStore bars(pool);
  store::PgMacroStore macro(pool);
  store::PgLiveStore live_store(pool);
  live::EngineOptions options;
  options.holder = "bench-replay";
  options.max_batch_bars = batch ? options.max_batch_bars : 1;
  live::Engine engine(live_store, macro, market::MacroCatalog::load(),
                      bench_model(pool, "bench_replay"), options);
  SimulatedClock clock(Timestamp{});
  SimulatedClock engine_clock(Timestamp{});
  store::PgMonitorActions actions(pool);
  models::AutoRollbackMonitor monitor({}, engine_clock, actions);
  if (monitored) engine.check_monitor_per_bar(&monitor, &engine_clock);
  ReplayRun run;
  run.path = batch ? "batch" : "one_bar";
  const auto t0 = std::chrono::steady_clock::now();
  engine.start();
  live::ReplayFeed feed(bars, clock, {file, std::nullopt, "bench", batch ? kChunk : 1},
                        [&] { return engine.l1_watermark(); });
  const auto report = feed.run([&] {
    const auto e0 = std::chrono::steady_clock::now();
    engine.catch_up();
    run.engine_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count();
  });
  engine.catch_up();
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run.rows = report.rows;
  run.inserted = report.inserted;
  run.batches = engine.counters().batches;
  count_rows(pool, run);
  return run;
}

nlohmann::json to_json(const ReplayRun& r) {
  return {{"path", r.path},
          {"bars_per_s", r.bars_per_s()},
          {"seconds", r.seconds},
          {"engine_seconds", r.engine_seconds},
          {"rows", r.rows},
          {"inserted", r.inserted},
          {"bars", r.bars},
          {"feature_rows", r.feature_rows},
          {"l1_events", r.l1_events},
          {"l5_events", r.l5_events},
          {"equity_snapshots", r.snapshots},
          {"production_decisions", r.decisions},
          {"l5_batches", r.batches},
          {"complete", r.complete()}};
}

double best(const std::vector<ReplayRun>& runs, const std::string& path) {
  double b = 0;
  for (const auto& r : runs)
    if (r.path == path) b = std::max(b, r.bars_per_s());
  return b;
}

void run_bench_replay(long n, long rounds, bool json, bool monitored) {
  const auto file = prepare(n);
  std::vector<ReplayRun> runs;
  for (long k = 0; k < rounds; ++k) {
    for (const bool batch : {false, true}) {
      runs.push_back(replay_once(file, batch, monitored));
      if (!json)
        std::cerr << "  " << runs.back().path << ": " << runs.back().bars_per_s() << " bars/s\n";
    }
  }
  std::filesystem::remove(file);
  bool complete = true;
  nlohmann::json all = nlohmann::json::array();
  for (const auto& r : runs) {
    complete = complete && r.complete();
    all.push_back(to_json(r));
  }
  const double one = best(runs, "one_bar"), batched = best(runs, "batch");
  const nlohmann::json j{{"bars", n},
                         {"rounds", rounds},
                         {"monitor", monitored},
                         {"runs", all},
                         {"best_bars_per_s", {{"one_bar", one}, {"batch", batched}}},
                         {"ratio", one > 0 ? batched / one : 0.0},
                         {"complete", complete}};
  if (json) {
    print_json(j);
  } else {
    std::cout << "bench replay: " << n << " bars" << (monitored ? " (monitor on)" : "")
              << ", best of " << rounds << ": one bar at a time " << one << " bars/s, batches "
              << batched << " bars/s (x" << j["ratio"]
              << "); every row persisted: " << (complete ? "yes" : "NO") << "\n";
  }
  if (!complete)
    throw Error(ErrorKind::integrity, "bench replay: a run did not persist every row", "bars");
}

void add_bench_replay(CLI::App& app) {
  auto* bench = app.get_subcommand("bench");
  auto n = std::make_shared<long>(2518);
  auto rounds = std::make_shared<long>(2);
  auto json = std::make_shared<bool>(false);
  auto monitored = std::make_shared<bool>(false);
  auto* c = bench->add_subcommand(
      "replay", "engine --replay --speed max end to end, one bar at a time vs batches");
  c->add_option("--bars", *n, "Rows of the dev file from 2025-01-02 to replay (default 2518)")
      ->check(CLI::Range(100L, 30000L));
  c->add_option("--rounds", *rounds, "Alternating rounds of both paths (default 2)")
      ->check(CLI::Range(1L, 20L));
  c->add_flag("--json", *json, "Machine-readable output");
  c->add_flag("--monitor", *monitored,
              "Both paths with the automatic monitor (as engine --replay without --no-monitor)");
  c->callback([n, rounds, json, monitored] { run_bench_replay(*n, *rounds, *json, *monitored); });
}

const CommandRegistration reg{68, add_bench_replay};

}  // namespace
}  // namespace usdcop::cli
