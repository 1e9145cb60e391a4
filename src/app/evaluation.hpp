#pragma once
// Evaluation (spec 03): a model (and other seeds of its experiment) next to buy-and-hold, flat
// and random baselines, with a bootstrap significance test and cost sensitivity, over a split
// of the model's run or a custom period of stored bars.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/model_source.hpp"
#include "backtest/evaluation.hpp"
#include "core/time.hpp"

namespace usdcop::app {

class Services;

struct EvaluationRequest {
  // MODEL_ID or run directory first, then optional run directories of other seeds.
  std::vector<std::string> models;
  int seeds = 1;  // evaluate up to this many runs of the experiment (ml.experiment_runs)
  std::string split = "val";  // val | validation | test | train | custom
  // custom only, both required (Error(invalid_input, field "from") otherwise)
  std::optional<Timestamp> from, to;
  int random_seeds = 100;
  int resamples = 10000;
};

struct EvaluationRun {
  backtest::Evaluation evaluation;
  std::vector<ModelSource> models;  // the first is the one evaluated; then the other seeds
  std::vector<std::pair<std::string, std::string>> skipped;  // run directory, why
  Date from_day{}, to_day{};
  std::size_t bars = 0;
  backtest::BacktestConfig config;
  nlohmann::json policies;  // where the risk and trading profiles came from
  // Training chose the checkpoint by its Sharpe on this (validation) split: the result is
  // optimistic whatever the p-value says.
  bool chosen_on_split = false;
};

EvaluationRun evaluate_models(Services& services, const EvaluationRequest& request);

}  // namespace usdcop::app
