#include "app/evaluation.hpp"

#include <set>

#include "app/services.hpp"
#include "core/error.hpp"
#include "store/pg_backtest_store.hpp"

namespace usdcop::app {

namespace {

// The models evaluated: the given ones, then other seeds of the same experiment recorded in
// ml.experiment_runs, up to `seeds`.
std::vector<ModelSource> models_under_evaluation(Services& services,
                                                 const EvaluationRequest& request,
                                                 EvaluationRun& run) {
  auto& results = services.backtests();
  std::vector<ModelSource> models;
  std::set<std::string> seen;
  for (const auto& arg : request.models) {
    models.push_back(resolve_model(arg, &results));
    seen.insert(models.back().bundle.run.run_id);
  }
  const std::string experiment = models.front().bundle.run.experiment;
  const int seeds = request.seeds;
  if (seeds > static_cast<int>(models.size()) && !experiment.empty()) {
    for (const auto& dir : results.experiment_run_dirs(experiment)) {
      if (static_cast<int>(models.size()) >= seeds) break;
      std::string path = dir.rfind("file://", 0) == 0 ? dir.substr(7) : dir;
      try {
        auto artifacts = trading::verify_run_directory(path);
        if (seen.count(artifacts.run_id)) continue;
        models.push_back(resolve_model(path, nullptr));
        seen.insert(artifacts.run_id);
      } catch (const Error& e) {
        run.skipped.emplace_back(path, e.what());
      }
    }
  }
  if (static_cast<int>(models.size()) > seeds)
    models.resize(static_cast<std::size_t>(std::max(seeds, 1)));
  return models;
}

std::pair<Timestamp, Timestamp> evaluation_period(const EvaluationRequest& request,
                                                  const ModelSource& model, EvaluationRun& run) {
  if (request.split == "custom") {
    if (!request.from || !request.to)
      throw Error(ErrorKind::invalid_input, "a custom split needs its start and end", "from");
    run.from_day = cot_date(*request.from);
    run.to_day = cot_date(*request.to - std::chrono::microseconds(1));
    return {*request.from, *request.to};
  }
  std::tie(run.from_day, run.to_day) = split_dates(model.bundle.run, request.split);
  return cot_day_range(run.from_day, run.to_day);
}

bool chosen_on(const ModelSource& model, const std::string& split) {
  const auto& run = model.bundle.run.run_json;
  return (split == "val" || split == "validation") && run.contains("best_at_step") &&
         !run["best_at_step"].is_null();
}

}  // namespace

EvaluationRun evaluate_models(Services& services, const EvaluationRequest& request) {
  if (request.models.empty())
    throw Error(ErrorKind::invalid_input, "no model to evaluate", "model_id");
  EvaluationRun run;
  run.models = models_under_evaluation(services, request, run);
  const auto& first = run.models.front();
  const auto [from, to] = evaluation_period(request, first, run);
  const auto slice = load_market_slice(services, from, to);
  run.bars = slice.bars.size();
  std::vector<backtest::ModelUnderTest> under_test;
  for (auto& m : run.models)
    under_test.push_back({m.bundle.run.run_id, m.bundle.policy.get(), &m.bundle.norm_stats});
  const ProfilesInForce profiles = profiles_for(services, first);
  run.config.trading = profiles.trading;
  run.config.risk = profiles.risk;
  run.config.rules = position_rules_for(first);
  run.config.flags = open_flag_attribution(services);
  run.config.flagged_bars = slice.flagged;  // the price collar, as `usdcop backtest`
  run.policies = profiles.policies;
  backtest::EvaluationOptions options;
  options.random_seeds = request.random_seeds;
  options.bootstrap_resamples = request.resamples;
  run.evaluation = backtest::evaluate(slice.bars, slice.rows, under_test, run.config, options);
  run.chosen_on_split = chosen_on(first, request.split);
  return run;
}

}  // namespace usdcop::app
