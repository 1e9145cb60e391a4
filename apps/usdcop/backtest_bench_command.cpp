// usdcop bench backtest: bars/s of a full backtest over the real data with the default
// 256x256 actor (random weights, written and re-read in the actor format), and the latency
// distribution of one decision (TradingSession::on_bar: normalize, policy, signal, risk,
// broker) and of the policy alone.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "backtest/backtest_runner.hpp"
#include "bench_support.hpp"
#include "cli_context.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "features/csv_inputs.hpp"
#include "features/feature_builder.hpp"
#include "market/macro_catalog.hpp"
#include "trading/mlp_policy.hpp"
#include "trading/trading_session.hpp"

namespace usdcop::cli {
namespace {

std::string default_data(const std::string& file) {
  for (const auto& base :
       {std::filesystem::path("../shared/data"), config_dir().parent_path() / "../shared/data"})
    if (std::filesystem::exists(base / file)) return (base / file).string();
  return "../shared/data/" + file;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

// The default actor, through the file format live uses.
trading::MlpPolicy default_actor() {
  const auto dir =
      std::filesystem::temp_directory_path() / ("usdcop_bench_actor_" + std::to_string(::getpid()));
  trading::MlpPolicy::random({256, 256}, 42, 3.0).save(dir);  // gain 3: it trades
  auto policy = trading::MlpPolicy::load(dir);
  std::filesystem::remove_all(dir);
  return policy;
}

// Per-decision latency through the session, and the policy alone (microseconds).
std::pair<std::vector<double>, std::vector<double>> decision_latencies(
    const std::vector<market::Bar>& bars, const std::vector<features::FeatureRow>& rows,
    trading::MlpPolicy& policy, const features::NormStats& stats,
    const backtest::BacktestConfig& config) {
  using clock = std::chrono::steady_clock;
  trading::PaperBroker broker(config.trading.initial_capital, config.trading.cost_bps);
  trading::FixedOperationsMode mode;
  trading::TradingSession session(policy, stats, config.trading, config.risk, mode, broker);
  std::vector<double> decision_us, policy_us;
  decision_us.reserve(bars.size());
  policy_us.reserve(bars.size());
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const bool usable = rows[i].complete;
    const auto s = clock::now();
    session.on_bar(bars[i], &rows[i]);
    const auto e = clock::now();
    if (!usable) continue;
    decision_us.push_back(std::chrono::duration<double, std::micro>(e - s).count());
    const auto obs =
        features::normalize_observation(stats, rows[i].market, 0, rows[i].time_normalized);
    const auto p0 = clock::now();
    volatile double a = policy.act(trading::Observation(obs));
    (void)a;
    policy_us.push_back(std::chrono::duration<double, std::micro>(clock::now() - p0).count());
  }
  return {decision_us, policy_us};
}

void add_bench_backtest(CLI::App& app) {
  auto* bench = app.get_subcommand("bench");
  struct Opts {
    std::string bars, macro;
    int repeat = 3;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = bench->add_subcommand(
      "backtest", "Backtest throughput (bars/s) and decision latency, default actor");
  c->add_option("--bars", o->bars, "Bar file (default ../shared/data/usdcop_m5_dev.csv.gz)");
  c->add_option("--macro", o->macro, "Macro file (default ../shared/data/macro_daily_dev.csv.gz)");
  c->add_option("--repeat", o->repeat, "Backtest runs; the best is reported")
      ->check(CLI::Range(1, 20));
  c->add_flag("--json", o->json, "Machine-readable output");
  c->callback([o] {
    using clock = std::chrono::steady_clock;
    const std::string bars_file = o->bars.empty() ? default_data("usdcop_m5_dev.csv.gz") : o->bars;
    const std::string macro_file =
        o->macro.empty() ? default_data("macro_daily_dev.csv.gz") : o->macro;
    for (const auto& f : {bars_file, macro_file})
      if (!std::filesystem::exists(f)) throw Error(ErrorKind::not_found, f + " does not exist");
    const auto t0 = clock::now();
    const auto bars = features::read_bars_csv(bars_file);
    const auto macro = features::read_macro_inputs_csv(macro_file, market::MacroCatalog::load());
    std::vector<features::FeatureRow> rows;
    for (const auto& v : features::build_features(bars, macro)) rows.push_back(v.to_row());
    const double prepare_s = std::chrono::duration<double>(clock::now() - t0).count();

    auto policy = default_actor();
    const auto stats =
        features::compute_norm_stats(rows, *parse_date("2020-01-02"), *parse_date("2024-12-30"));
    backtest::BacktestConfig config;
    config.trading = trading::load_trading_config();
    config.risk = trading::load_risk_profile();
    double best = 1e300, best_cpu = 1e300;
    backtest::BacktestResult result;
    for (int i = 0; i < o->repeat; ++i) {
      const auto s = clock::now();
      const double c0 = thread_cpu_s();
      result = backtest::run_backtest(bars, rows, policy, stats, config);
      best_cpu = std::min(best_cpu, thread_cpu_s() - c0);
      best = std::min(best, std::chrono::duration<double>(clock::now() - s).count());
    }

    const auto [decision_us, policy_us] = decision_latencies(bars, rows, policy, stats, config);
    const double bars_per_s = static_cast<double>(bars.size()) / best;
    nlohmann::json j = {{"bars", bars.size()},
                        {"decisions", result.decisions},
                        {"bars_without_decision", result.bars_without_decision},
                        {"actor", "15-256-256-1 tanh (random weights)"},
                        {"repeat", o->repeat},
                        {"backtest_s", best},
                        {"bars_per_s", bars_per_s},
                        {"backtest_cpu_s", best_cpu},
                        {"bars_per_cpu_s", static_cast<double>(bars.size()) / best_cpu},
                        {"prepare_s", prepare_s},
                        {"decision_latency_us",
                         {{"p50", percentile(decision_us, 0.5)},
                          {"p99", percentile(decision_us, 0.99)},
                          {"max", percentile(decision_us, 1.0)}}},
                        {"policy_latency_us",
                         {{"p50", percentile(policy_us, 0.5)},
                          {"p99", percentile(policy_us, 0.99)},
                          {"max", percentile(policy_us, 1.0)}}},
                        {"trades", result.trades.size()}};
    if (o->json) {
      print_json(j);
      return;
    }
    std::cout << "backtest: " << bars.size() << " bars in " << best
              << " s = " << static_cast<long>(bars_per_s) << " bars/s wall, "
              << static_cast<long>(static_cast<double>(bars.size()) / best_cpu)
              << " bars per CPU-second (best of " << o->repeat << ")\n"
              << "decision latency: p50 " << j["decision_latency_us"]["p50"] << " us, p99 "
              << j["decision_latency_us"]["p99"] << " us; policy alone p50 "
              << j["policy_latency_us"]["p50"] << " us, p99 " << j["policy_latency_us"]["p99"]
              << " us\n";
  });
}

const CommandRegistration reg{44, add_bench_backtest};

}  // namespace
}  // namespace usdcop::cli
