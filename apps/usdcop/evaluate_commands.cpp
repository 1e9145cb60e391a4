// usdcop evaluate RUN_OR_MODEL [RUN_DIR...] --split val [--seeds N]: the model (and its other
// seeds) next to buy-and-hold, flat and random baselines, with a bootstrap significance test
// and cost sensitivity (spec 03). Printed as a table and saved as JSON.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "app/evaluation.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "core/error.hpp"
#include "replay_progress.hpp"

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

constexpr const char* kSelectionBiasWarning =
    "this model's checkpoint was selected by its Sharpe on this validation split, so the "
    "result is optimistic; confirm an edge on a held-out test split (--split test) or a "
    "later period (--split custom)";

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
    app::EvaluationRequest request;
    request.models = o->models;
    request.seeds = o->seeds;
    request.split = o->split;
    if (o->split == "custom" && !o->from.empty()) request.from = from_flag(o->from);  // else unused
    if (o->split == "custom" && !o->to.empty()) request.to = to_flag(o->to);
    request.random_seeds = o->random_seeds;
    request.resamples = o->resamples;
    const auto run = app::evaluate_models(services(), request);
    for (const auto& [path, why] : run.skipped)
      std::cerr << "skipping run " << path << ": " << why << "\n";
    const auto& e = run.evaluation;
    const auto& model_id = run.models.front().model_id;
    nlohmann::json j = backtest::to_json(e);
    if (run.chosen_on_split) j["selection_bias_warning"] = kSelectionBiasWarning;
    j["split"] = o->split;
    j["from"] = format_date(run.from_day);
    j["to"] = format_date(run.to_day);
    j["model"] = model_id;
    j["bars"] = run.bars;
    j["seeds_requested"] = o->seeds;
    j["seeds_found"] = run.models.size();
    j["config"] = backtest::to_json(run.config);
    j["config"]["policies"] = run.policies;
    const std::string out =
        o->out.empty() ? "evaluation-" + model_id + "-" + o->split + ".json" : o->out;
    std::ofstream(out) << j.dump(2) << "\n";
    if (o->json) {
      print_json(j);
    } else {
      print_table(e, o->seeds, o->split, run.from_day, run.to_day);
      if (e.blocked.bars > 0) {
        std::cout << "bars without a decision: " << e.blocked.bars << " of " << run.bars
                  << " (position held), by missing feature and cause:\n";
        for (const auto& line : e.blocked.lines()) std::cout << "  " << line << "\n";
      }
      if (run.chosen_on_split)
        std::cout << "caution: " << j["selection_bias_warning"].get<std::string>() << "\n";
      std::cout << "saved: " << out << "\n";
    }
    if (o->seeds > static_cast<int>(run.models.size())) throw ExitRequest{kPartial};
  });
}

const CommandRegistration reg{43, add_evaluate};

}  // namespace
}  // namespace usdcop::cli
