// usdcop evaluate RUN_OR_MODEL [RUN_DIR...] --split val [--seeds N]: the model (and its other
// seeds) next to buy-and-hold, flat and random baselines, with a bootstrap significance test
// and cost sensitivity (spec 03). Printed as a table and saved as JSON.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>

#include "app/model_source.hpp"
#include "backtest/evaluation.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "core/error.hpp"
#include "replay_progress.hpp"
#include "store/pg_backtest_store.hpp"

namespace usdcop::cli {
namespace {

std::string pct(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%+.3f%%", x * 100);
  return b;
}
std::string fix(double x, int d = 3) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", d, x);
  return b;
}

void row(const std::string& name, const backtest::Metrics& m) {
  char b[256];
  std::snprintf(b, sizeof b, "  %-22s %12s %9s %11s %8s %9s\n", name.c_str(),
                pct(m.total_return_pct).c_str(), fix(m.sharpe_ratio).c_str(),
                pct(m.max_drawdown_pct).c_str(), std::to_string(m.total_trades).c_str(),
                pct(m.exposure).c_str());
  std::cout << b;
}

void print_table(const backtest::Evaluation& e, int requested, const std::string& split, Date from,
                 Date to) {
  std::cout << "evaluation on the " << split << " split " << format_date(from) << " .. "
            << format_date(to) << "\n\n";
  char h[256];
  std::snprintf(h, sizeof h, "  %-22s %12s %9s %11s %8s %9s\n", "policy", "return", "sharpe",
                "max_dd", "trades", "exposure");
  std::cout << h;
  for (const auto& m : e.models) row(m.name, m.metrics);
  if (e.models.size() > 1)
    std::cout << "  seeds: " << e.models.size() << " runs, return mean " << pct(e.seeds_return.mean)
              << " std " << pct(e.seeds_return.std) << ", sharpe mean " << fix(e.seeds_sharpe.mean)
              << " std " << fix(e.seeds_sharpe.std) << "\n";
  row("buy_and_hold", e.buy_and_hold.metrics);
  row("flat", e.flat.metrics);
  std::cout << "  random (" << e.random_return.n << " seeds)    return mean "
            << pct(e.random_return.mean) << ", p05 " << pct(e.random_return.p05) << ", p50 "
            << pct(e.random_return.p50) << ", p95 " << pct(e.random_return.p95) << "; sharpe mean "
            << fix(e.random_sharpe.mean) << "\n";
  std::cout << "  the model beats " << fix(e.random_beaten_share * 100, 1)
            << "% of random seeds\n\n";
  std::cout << "cost sensitivity (" << e.models.front().name << "):\n";
  for (const auto& [bps, m] : e.cost_sensitivity) row(fix(bps, 1) + " bp", m);
  const auto& b = e.bootstrap;
  std::cout << "\nbootstrap (" << b.resamples << " resamples, " << b.days
            << " days): mean daily return " << pct(b.mean) << ", 95% CI [" << pct(b.ci_low) << ", "
            << pct(b.ci_high) << "], p(mean <= 0) = " << fix(b.p_value, 4) << "\n";
  if (requested > static_cast<int>(e.models.size()))
    std::cout << "seeds: " << requested << " requested, only " << e.models.size()
              << " run(s) of this experiment exist; the statistics cover those\n";
  std::cout << "verdict: " << e.verdict << "\n";
}

// The models evaluated: the given ones, then other seeds of the same experiment recorded in
// ml.experiment_runs, up to `seeds`.
std::vector<app::ModelSource> models_under_evaluation(app::Services& db,
                                                      const std::vector<std::string>& args,
                                                      int seeds) {
  auto& results = db.backtests();
  std::vector<app::ModelSource> models;
  models.push_back(app::resolve_model(args.front(), &results));
  std::set<std::string> seen{models.front().bundle.run.run_id};
  for (std::size_t i = 1; i < args.size(); ++i) {
    models.push_back(app::resolve_model(args[i], &results));
    seen.insert(models.back().bundle.run.run_id);
  }
  const std::string experiment = models.front().bundle.run.experiment;
  if (seeds > static_cast<int>(models.size()) && !experiment.empty()) {
    for (const auto& dir : results.experiment_run_dirs(experiment)) {
      if (static_cast<int>(models.size()) >= seeds) break;
      std::string path = dir.rfind("file://", 0) == 0 ? dir.substr(7) : dir;
      try {
        auto run = trading::verify_run_directory(path);
        if (seen.count(run.run_id)) continue;
        models.push_back(app::resolve_model(path, nullptr));
        seen.insert(run.run_id);
      } catch (const Error& e) {
        std::cerr << "skipping run " << path << ": " << e.what() << "\n";
      }
    }
  }
  if (static_cast<int>(models.size()) > seeds)
    models.resize(static_cast<std::size_t>(std::max(seeds, 1)));

  return models;
}

struct EvaluationPeriod {
  Date from_day{}, to_day{};
  Timestamp from{}, to{};
};

EvaluationPeriod evaluation_period(const std::string& split, const std::string& from_text,
                                   const std::string& to_text, const app::ModelSource& model) {
  EvaluationPeriod p;
  auto& [from_day, to_day, from, to] = p;
  if (split == "custom") {
    if (from_text.empty() || to_text.empty())
      throw Error(ErrorKind::invalid_input, "--split custom needs --from and --to");
    from = from_flag(from_text);
    to = to_flag(to_text);
    from_day = cot_date(from);
    to_day = cot_date(to - std::chrono::microseconds(1));
  } else {
    std::tie(from_day, to_day) = app::split_dates(model.bundle.run, split);
    std::tie(from, to) = app::cot_day_range(from_day, to_day);
  }
  return p;
}

// Training keeps the checkpoint with the best validation Sharpe, so the validation split took
// part in choosing the model: its result is optimistic, whatever the p-value says.
bool chosen_on(const app::ModelSource& model, const std::string& split) {
  const auto& run = model.bundle.run.run_json;
  return (split == "val" || split == "validation") && run.contains("best_at_step") &&
         !run["best_at_step"].is_null();
}
constexpr const char* kSelectionBiasWarning =
    "this model's checkpoint was selected by its Sharpe on this validation split, so the "
    "result is optimistic; confirm an edge on a held-out test split (--split test) or a "
    "later period (--split custom)";

// The backtest configuration of an evaluation: the first model's profiles in force and
// position rules, the open macro flags and the slice's price collar (as `usdcop backtest`).
backtest::BacktestConfig evaluation_config(app::Services& db, const app::ModelSource& model,
                                           const app::MarketSlice& slice) {
  backtest::BacktestConfig config;
  const app::ProfilesInForce profiles = app::profiles_for(db, model);
  config.trading = profiles.trading;
  config.risk = profiles.risk;
  config.rules = app::position_rules_for(model);
  config.flags = app::open_flag_attribution(db);
  config.flagged_bars = slice.flagged;
  return config;
}

void add_evaluate(CLI::App& app) {
  struct Opts {
    std::vector<std::string> models;
    std::string split = "val", from, to, out;
    int seeds = 1, random_seeds = 100, resamples = 10000;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("evaluate",
                               "Model vs baselines, bootstrap significance and cost sensitivity");
  c->add_option("RUN_OR_MODEL", o->models,
                "MODEL_ID or RUN_DIR, then optional RUN_DIRs of other seeds")
      ->required();
  c->add_option("--split", o->split, "val | test | custom (custom needs --from/--to)");
  c->add_option("--from", o->from,
                "Start of a custom period: a date (COT day) or an RFC 3339 time");
  c->add_option(
      "--to", o->to,
      "End of a custom period: a date (COT day) is inclusive, an RFC 3339 time exclusive");
  c->add_option("--seeds", o->seeds, "Evaluate N runs of the same experiment")
      ->check(CLI::Range(1, 100));
  c->add_option("--random-seeds", o->random_seeds, "Random-policy baselines")
      ->check(CLI::Range(1, 10000));
  c->add_option("--resamples", o->resamples, "Bootstrap resamples")
      ->check(CLI::Range(100, 1000000));
  c->add_option("--out", o->out, "JSON file (default evaluation-<model>-<split>.json)");
  c->add_flag("--json", o->json, "Print the JSON instead of the table");
  c->callback([o] {
    auto& db = services();
    auto models = models_under_evaluation(db, o->models, o->seeds);

    const auto [from_day, to_day, from, to] =
        evaluation_period(o->split, o->from, o->to, models.front());
    const auto slice = app::load_market_slice(db, from, to);
    std::vector<backtest::ModelUnderTest> under_test;
    for (auto& m : models)
      under_test.push_back({m.bundle.run.run_id, m.bundle.policy.get(), &m.bundle.norm_stats});
    const backtest::BacktestConfig config = evaluation_config(db, models.front(), slice);
    backtest::EvaluationOptions options;
    options.random_seeds = o->random_seeds;
    options.bootstrap_resamples = o->resamples;
    const auto e = backtest::evaluate(slice.bars, slice.rows, under_test, config, options);

    nlohmann::json j = backtest::to_json(e);
    const bool chosen_on_split = chosen_on(models.front(), o->split);
    if (chosen_on_split) j["selection_bias_warning"] = kSelectionBiasWarning;
    j["split"] = o->split;
    j["from"] = format_date(from_day);
    j["to"] = format_date(to_day);
    j["model"] = models.front().model_id;
    j["bars"] = slice.bars.size();
    j["seeds_requested"] = o->seeds;
    j["seeds_found"] = models.size();
    j["config"] = backtest::to_json(config);
    j["config"]["policies"] = profiles.policies;
    const std::string out = o->out.empty()
                                ? "evaluation-" + models.front().model_id + "-" + o->split + ".json"
                                : o->out;
    std::ofstream(out) << j.dump(2) << "\n";
    if (o->json) {
      print_json(j);
    } else {
      print_table(e, o->seeds, o->split, from_day, to_day);
      if (e.blocked.bars > 0) {
        std::cout << "bars without a decision: " << e.blocked.bars << " of " << slice.bars.size()
                  << " (position held), by missing feature and cause:\n";
        for (const auto& line : e.blocked.lines()) std::cout << "  " << line << "\n";
      }
      if (chosen_on_split)
        std::cout << "caution: " << j["selection_bias_warning"].get<std::string>() << "\n";
      std::cout << "saved: " << out << "\n";
    }
    if (o->seeds > static_cast<int>(models.size())) throw ExitRequest{kPartial};
  });
}

const CommandRegistration reg{43, add_evaluate};

}  // namespace
}  // namespace usdcop::cli
