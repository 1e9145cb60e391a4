#pragma once
// `usdcop evaluate` (spec 03): a model (or several seeds of one experiment) next to baselines
// on the same bars — buy-and-hold, always-flat and a distribution of random policies — plus a
// bootstrap 95 % confidence interval and one-sided p-value of the mean daily return, and the
// cost sensitivity at 0/1/2/5 bp. An edge is reported only when it is significant.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backtest/backtest_runner.hpp"

namespace usdcop::backtest {

struct BootstrapStats {
  int days = 0;
  int resamples = 0;
  double mean = 0;     // of the observed daily returns
  double ci_low = 0;   // percentile 2.5 % of resampled means
  double ci_high = 0;  // percentile 97.5 %
  double p_value = 1;  // share of resampled means <= 0 (H0: mean <= 0); 1 without data
};
// Resamples days with replacement (portable SplitMix64 stream from `seed`).
BootstrapStats bootstrap_mean(std::span<const double> values, int resamples, uint64_t seed);

struct DistributionSummary {
  int n = 0;
  double mean = 0, std = 0, p05 = 0, p50 = 0, p95 = 0, min = 0, max = 0;
};
DistributionSummary summarize(std::vector<double> values);

struct EvaluationOptions {
  int random_seeds = 100;
  int bootstrap_resamples = 10000;
  uint64_t bootstrap_seed = 20260125;
  std::vector<double> cost_bps = {0, 1, 2, 5};
  double alpha = 0.05;
};

struct ModelUnderTest {
  std::string name;  // run id or model id
  trading::Policy* policy = nullptr;
  const features::NormStats* norm_stats = nullptr;
};

struct PolicyMetrics {
  std::string name;
  Metrics metrics;
};

struct Evaluation {
  std::vector<PolicyMetrics> models;               // the first is the primary run
  DistributionSummary seeds_return, seeds_sharpe;  // over models
  PolicyMetrics buy_and_hold, flat;
  DistributionSummary random_return, random_sharpe;
  double random_beaten_share = 0;  // random seeds whose total return < the primary's
  BootstrapStats bootstrap;        // of the per-day mean across models
  std::vector<std::pair<double, Metrics>> cost_sensitivity;  // primary model
  bool significant = false;
  std::string verdict;
  features::DecisionBlocks blocked;  // bars without a decision (the same for every policy)
};

// The models must have been trained for these bars' features (same contract); baselines use
// the first model's normalization (they ignore the observation).
Evaluation evaluate(std::span<const market::Bar> bars, std::span<const features::FeatureRow> rows,
                    const std::vector<ModelUnderTest>& models, const BacktestConfig& config,
                    const EvaluationOptions& options);

nlohmann::json to_json(const Evaluation& e);

}  // namespace usdcop::backtest
