#include "backtest/evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>

#include "trading/policy.hpp"

namespace usdcop::backtest {
namespace {

double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

nlohmann::json summary_json(const Metrics& m) {
  return to_json(m, false);
}

nlohmann::json to_json(const DistributionSummary& d) {
  return {{"n", d.n},     {"mean", d.mean}, {"std", d.std}, {"p05", d.p05},
          {"p50", d.p50}, {"p95", d.p95},   {"min", d.min}, {"max", d.max}};
}

std::string percent(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f%%", x * 100.0);
  return buf;
}

}  // namespace

BootstrapStats bootstrap_mean(std::span<const double> values, int resamples, uint64_t seed) {
  BootstrapStats b;
  b.days = static_cast<int>(values.size());
  b.resamples = resamples;
  if (values.empty() || resamples <= 0) return b;
  double sum = 0;
  for (double v : values) sum += v;
  const double n = static_cast<double>(values.size());
  b.mean = sum / n;
  trading::RandomPolicy rng(seed);
  const float none[trading::kObservationSize] = {};
  std::vector<double> means(static_cast<std::size_t>(resamples));
  int at_or_below = 0;
  for (auto& m : means) {
    double s = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const double u = (rng.act(trading::Observation(none)) + 1.0) / 2.0;  // [0, 1)
      const auto k = std::min(values.size() - 1, static_cast<std::size_t>(u * n));
      s += values[k];
    }
    m = s / n;
    if (m <= 0) ++at_or_below;
  }
  std::sort(means.begin(), means.end());
  b.ci_low = quantile(means, 0.025);
  b.ci_high = quantile(means, 0.975);
  b.p_value = static_cast<double>(at_or_below) / static_cast<double>(resamples);
  return b;
}

DistributionSummary summarize(std::vector<double> v) {
  DistributionSummary d;
  d.n = static_cast<int>(v.size());
  if (v.empty()) return d;
  std::sort(v.begin(), v.end());
  double s = 0;
  for (double x : v) s += x;
  d.mean = s / static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - d.mean) * (x - d.mean);
  d.std = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0;
  d.p05 = quantile(v, 0.05);
  d.p50 = quantile(v, 0.5);
  d.p95 = quantile(v, 0.95);
  d.min = v.front();
  d.max = v.back();
  return d;
}

Evaluation evaluate(std::span<const market::Bar> bars, std::span<const features::FeatureRow> rows,
                    const std::vector<ModelUnderTest>& models, const BacktestConfig& config,
                    const EvaluationOptions& options) {
  if (models.empty() || models.front().policy == nullptr || models.front().norm_stats == nullptr)
    throw std::invalid_argument("evaluate: at least one model is needed");
  Evaluation e;
  const features::NormStats& stats = *models.front().norm_stats;

  // Per-day mean daily return across the models (seeds), for the bootstrap.
  std::map<Date, std::pair<double, int>> per_day;
  std::vector<double> seed_returns, seed_sharpes;
  for (const auto& m : models) {
    auto r = run_backtest(bars, rows, *m.policy, *m.norm_stats, config);
    for (const auto& d : r.metrics.daily_returns) {
      auto& acc = per_day[d.day];
      acc.first += d.ret;
      acc.second += 1;
    }
    if (e.models.empty()) e.blocked = r.blocked;
    seed_returns.push_back(r.metrics.total_return_pct);
    seed_sharpes.push_back(r.metrics.sharpe_ratio);
    e.models.push_back({m.name, std::move(r.metrics)});
  }
  e.seeds_return = summarize(seed_returns);
  e.seeds_sharpe = summarize(seed_sharpes);
  std::vector<double> daily;
  for (const auto& [day, acc] : per_day) daily.push_back(acc.first / acc.second);
  e.bootstrap = bootstrap_mean(daily, options.bootstrap_resamples, options.bootstrap_seed);

  trading::BuyAndHoldPolicy hold;
  e.buy_and_hold = {"buy_and_hold", run_backtest(bars, rows, hold, stats, config).metrics};
  trading::FlatPolicy flat;
  e.flat = {"flat", run_backtest(bars, rows, flat, stats, config).metrics};

  std::vector<double> random_returns, random_sharpes;
  const double primary = e.models.front().metrics.total_return_pct;
  int beaten = 0;
  for (int s = 1; s <= options.random_seeds; ++s) {
    trading::RandomPolicy random(static_cast<uint64_t>(s));
    const auto m = run_backtest(bars, rows, random, stats, config).metrics;
    random_returns.push_back(m.total_return_pct);
    random_sharpes.push_back(m.sharpe_ratio);
    if (m.total_return_pct < primary) ++beaten;
  }
  e.random_return = summarize(random_returns);
  e.random_sharpe = summarize(random_sharpes);
  e.random_beaten_share =
      options.random_seeds > 0 ? static_cast<double>(beaten) / options.random_seeds : 0.0;

  for (double bps : options.cost_bps) {
    BacktestConfig c = config;
    c.trading.cost_bps = bps;
    e.cost_sensitivity.emplace_back(
        bps, run_backtest(bars, rows, *models.front().policy, stats, c).metrics);
  }

  const auto& b = e.bootstrap;
  e.significant = b.days >= 2 && b.p_value < options.alpha && b.ci_low > 0;
  if (e.significant) {
    e.verdict = "SIGNIFICANT EDGE: mean daily return " + percent(b.mean) +
                " > 0 with p = " + std::to_string(b.p_value) + " < " +
                std::to_string(options.alpha) + " (95% CI " + percent(b.ci_low) + " .. " +
                percent(b.ci_high) + ")";
  } else {
    e.verdict = "NO STATISTICALLY SIGNIFICANT EDGE: mean daily return " + percent(b.mean) +
                ", p = " + std::to_string(b.p_value) + " (needs < " +
                std::to_string(options.alpha) + "), 95% CI " + percent(b.ci_low) + " .. " +
                percent(b.ci_high) + " includes 0 or the data is too short; " +
                "do not report this result as an edge";
  }
  return e;
}

nlohmann::json to_json(const Evaluation& e) {
  auto models = nlohmann::json::array();
  for (const auto& m : e.models)
    models.push_back({{"name", m.name}, {"metrics", summary_json(m.metrics)}});
  auto costs = nlohmann::json::array();
  for (const auto& [bps, m] : e.cost_sensitivity)
    costs.push_back({{"cost_bps", bps}, {"metrics", summary_json(m)}});
  const auto& b = e.bootstrap;
  return {{"blocked_decisions", e.blocked.to_json()},
          {"models", models},
          {"seeds",
           {{"count", e.models.size()},
            {"total_return", to_json(e.seeds_return)},
            {"sharpe", to_json(e.seeds_sharpe)}}},
          {"baselines",
           {{"buy_and_hold", summary_json(e.buy_and_hold.metrics)},
            {"flat", summary_json(e.flat.metrics)},
            {"random",
             {{"total_return", to_json(e.random_return)},
              {"sharpe", to_json(e.random_sharpe)},
              {"share_below_model", e.random_beaten_share}}}}},
          {"bootstrap",
           {{"days", b.days},
            {"resamples", b.resamples},
            {"mean_daily_return", b.mean},
            {"ci95_low", b.ci_low},
            {"ci95_high", b.ci_high},
            {"p_value", b.p_value}}},
          {"cost_sensitivity", costs},
          {"significant", e.significant},
          {"verdict", e.verdict}};
}

}  // namespace usdcop::backtest
