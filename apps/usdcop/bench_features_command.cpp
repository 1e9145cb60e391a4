// usdcop bench features: the incremental feature update over the real data in memory
// (ns/bar, bars/s, one live bar) and a full `features build` including the database write,
// into a scratch database that is dropped and re-created on each run.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <pqxx/pqxx>

#include "app/feature_build.hpp"
#include "app/ingest.hpp"
#include "bench_support.hpp"
#include "cli_context.hpp"
#include "core/error.hpp"
#include "feature_render.hpp"
#include "features/csv_inputs.hpp"
#include "features/feature_builder.hpp"
#include "market/csv_source.hpp"
#include "market/macro_catalog.hpp"
#include "store/connection_pool.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_macro_store.hpp"

namespace usdcop::cli {
namespace {

using clock_type = std::chrono::steady_clock;
constexpr const char* kBenchDatabase = "usdcop_bench_features";

double seconds(clock_type::duration d) {
  return std::chrono::duration<double>(d).count();
}

// One fold over all bars, nothing stored; the checksum keeps the work observable.
double fold_once(const std::vector<market::Bar>& bars, const features::MacroInputs& macro,
                 double& checksum, double& cpu_s) {
  const double c0 = thread_cpu_s();
  const auto t0 = clock_type::now();
  features::FeatureBuilder builder;
  features::MacroCursor cursor(macro);
  double sum = 0;
  for (const auto& bar : bars) {
    const auto v = builder.update(bar, cursor.at(bar.time));
    sum += v.values[features::kRsi9] + static_cast<double>(v.missing_mask);
  }
  const double s = seconds(clock_type::now() - t0);
  cpu_s = thread_cpu_s() - c0;
  checksum += sum;
  return s;
}

}  // namespace

// One live bar: restore the state before the last 1000 bars, then time each update with a
// fresh (uncached) macro snapshot, as the live engine does for a new bar. Sorted nanoseconds.
std::vector<double> live_bar_ns(const std::vector<market::Bar>& bars,
                                const features::MacroInputs& macro, double& checksum) {
  std::vector<double> live_ns;
  features::FeatureBuilder builder;
  features::MacroCursor cursor(macro);
  const std::size_t tail = std::min<std::size_t>(1000, bars.size());
  for (std::size_t i = 0; i + tail < bars.size(); ++i)
    builder.update(bars[i], cursor.at(bars[i].time));
  for (std::size_t i = bars.size() - tail; i < bars.size(); ++i) {
    const auto t0 = clock_type::now();
    const auto v = builder.update(bars[i], features::compute_macro_snapshot(macro, bars[i].time));
    live_ns.push_back(seconds(clock_type::now() - t0) * 1e9);
    checksum += v.values[features::kAtrPct];
  }
  std::sort(live_ns.begin(), live_ns.end());
  return live_ns;
}

// A full build with write on a fresh scratch database, then a resume with nothing new (best of
// up to 3 runs).
void add_full_build(nlohmann::json& j, const std::string& bars_file, const std::string& macro_file,
                    const market::MacroCatalog& catalog, int repeat) {
  double best_build = 1e300;
  app::FeatureBuildReport best, resume;
  for (int i = 0; i < std::min(repeat, 3); ++i) {
    store::ConnectionPool pool(fresh_bench_database(kBenchDatabase), 3);
    store::PgBarStore bar_store(pool);
    store::PgMacroStore macro_store(pool);
    market::BarImporter bi(bar_store, {"bench", false, app::configured_jump_bound()});
    market::read_bar_csv(bars_file, bi);
    bi.finish();
    market::MacroImporter mi(macro_store, catalog, "bench");
    market::read_macro_csv(macro_file, catalog, mi);
    mi.finish();
    const auto r = app::build_features(pool, {});
    const auto again = app::build_features(pool, {});  // resume: nothing new
    if (r.total_s < best_build) {
      best_build = r.total_s;
      best = r;
      resume = again;
    }
  }
  j["full_build"] = render_json(best);
  j["full_build_bars_per_s"] = static_cast<double>(best.bars_folded) / best.total_s;
  j["resume_noop_s"] = resume.total_s;
}

void add_bench_features(CLI::App& bench) {
  struct Opts {
    std::string bars = "../shared/data/usdcop_m5_dev.csv.gz";
    std::string macro = "../shared/data/macro_daily_dev.csv.gz";
    int repeat = 5;
    bool skip_db = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = bench.add_subcommand(
      "features", "Feature builder throughput: incremental update and full build with write");
  c->add_option("--bars", o->bars, "Bar file (default ../shared/data/usdcop_m5_dev.csv.gz)");
  c->add_option("--macro", o->macro,
                "Macro master file (default ../shared/data/macro_daily_dev.csv.gz)");
  c->add_option("--repeat", o->repeat, "Runs of each measurement; the best is reported")
      ->check(CLI::Range(1, 50));
  c->add_flag("--skip-db", o->skip_db, "Only the in-memory measurements");
  c->add_flag("--json", o->json, "Machine-readable output");
  c->callback([o] {
    for (const auto& f : {o->bars, o->macro}) {
      if (!std::filesystem::exists(f))
        throw Error(ErrorKind::not_found, "input file " + f + " does not exist");
    }
    const auto catalog = market::MacroCatalog::load();
    const auto bars = features::read_bars_csv(o->bars);
    const auto macro = features::read_macro_inputs_csv(o->macro, catalog);
    if (bars.empty()) throw Error(ErrorKind::invalid_input, "no bars in " + o->bars);
    const double n = static_cast<double>(bars.size());

    double checksum = 0, best_fold = 1e300, best_batch = 1e300, best_cpu = 1e300;
    for (int i = 0; i < o->repeat; ++i) {
      double cpu = 0;
      best_fold = std::min(best_fold, fold_once(bars, macro, checksum, cpu));
      best_cpu = std::min(best_cpu, cpu);
    }
    for (int i = 0; i < o->repeat; ++i) {
      const auto t0 = clock_type::now();
      const auto v = features::build_features(bars, macro);
      best_batch = std::min(best_batch, seconds(clock_type::now() - t0));
      checksum += v.back().values[features::kRsi9];
    }
    const std::vector<double> live_ns = live_bar_ns(bars, macro, checksum);
    const auto pct = [&](double p) {
      return live_ns[static_cast<std::size_t>(p * static_cast<double>(live_ns.size() - 1))];
    };

    nlohmann::json j = {{"bars", bars.size()},
                        {"incremental_ns_per_bar", best_fold / n * 1e9},
                        {"incremental_bars_per_s", n / best_fold},
                        {"incremental_cpu_ns_per_bar", best_cpu / n * 1e9},
                        {"incremental_cpu_bars_per_s", n / best_cpu},
                        {"batch_fold_with_vectors_bars_per_s", n / best_batch},
                        {"live_bar_ns_p50", pct(0.5)},
                        {"live_bar_ns_p99", pct(0.99)},
                        {"live_bar_ns_max", live_ns.back()},
                        {"checksum", checksum}};
    if (!o->skip_db) add_full_build(j, o->bars, o->macro, catalog, o->repeat);
    if (o->json) {
      print_json(j);
      return;
    }
    std::cout << "bars:                     " << bars.size() << "\n"
              << "incremental update:       " << j["incremental_ns_per_bar"].get<double>()
              << " ns/bar (" << static_cast<long>(n / best_fold) << " bars/s, best of " << o->repeat
              << "; CPU time " << best_cpu / n * 1e9 << " ns/bar)\n"
              << "batch fold with vectors:  " << static_cast<long>(n / best_batch) << " bars/s\n"
              << "one live bar:             p50 " << pct(0.5) << " ns, p99 " << pct(0.99)
              << " ns\n";
    if (!o->skip_db) {
      std::cout << "full build (with write):  " << j["full_build"]["total_s"].get<double>()
                << " s (" << static_cast<long>(j["full_build_bars_per_s"].get<double>())
                << " bars/s)\n"
                << "resume with nothing new:  " << j["resume_noop_s"].get<double>() << " s\n";
    }
  });
}

}  // namespace usdcop::cli
