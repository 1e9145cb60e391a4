#pragma once
// The validation run that selects checkpoints (issue 10, item 5): the current actor, exported
// in the trading format (usdcop-mlp-v1) and evaluated by trading::MlpPolicy, replayed over the
// validation split's stored bars and feature rows by the backtest itself (backtest::
// run_backtest, i.e. the TradingSession of backtest and live) with the risk profile and position
// rules `usdcop backtest --period validation` uses. Selection and backtest therefore agree
// exactly: same bars, same decisions, same fills, same metrics function.
#include <filesystem>
#include <vector>

#include "backtest/backtest_runner.hpp"
#include "features/feature_row.hpp"
#include "features/norm_stats.hpp"
#include "market/bar.hpp"

namespace usdcop::learn {

struct ValidationReplay {
  std::vector<market::Bar> bars;           // every stored bar of the validation COT days
  std::vector<features::FeatureRow> rows;  // their feature rows (complete or not)
  features::NormStats norm_stats;          // the dataset's (training split only)
  backtest::BacktestConfig config;         // trading.yaml + run thresholds, risk.yaml, rules
};

// Backtest of the actor files (actor.json + actor.bin) in `actor_dir` over the replay.
backtest::BacktestResult replay_validation(const ValidationReplay& replay,
                                           const std::filesystem::path& actor_dir);

}  // namespace usdcop::learn
