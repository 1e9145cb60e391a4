// usdcop demo: the main job of the README quick start. It runs every stage that exists, in
// order, printing what it does: database, market data, data quality in process; then features,
// training, registry, backtest and the two-vote promotion as the very commands an operator
// would type (demo_steps.hpp). Live replay and the dashboard join when they are built.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/ingest.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "core/calendar.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "demo_identities.hpp"
#include "demo_steps.hpp"
#include "ingest_render.hpp"
#include "market/data_check.hpp"
#include "store/database.hpp"

namespace usdcop::cli {

namespace {

std::string home_dir() {
  const char* home = std::getenv("USDCOP_HOME");
  return home && *home ? home : std::filesystem::current_path().string();
}

DemoStep required_step(const std::vector<std::string>& args, bool json) {
  DemoStep step = run_demo_step(args, json);
  if (step.status != kOk && step.status != kPartial)
    throw Error(ErrorKind::internal, "demo step failed (exit " + std::to_string(step.status) +
                                         "): usdcop " + args.front());
  return step;
}

// A viewer may look but not ask: the refusal (exit 5) is audited.
void show_viewer_refused(const std::string& model, const std::string& backtest,
                         const DemoTokenFiles& tokens) {
  const auto refused = run_demo_step(
      {"promote", "request", model, "--stage", "staging", "--backtest", backtest, "--reason",
       "demo: a viewer tries to ask for a promotion", "--token-file", tokens.viewer},
      false);
  if (refused.status != kConflict)
    throw Error(ErrorKind::internal,
                "the demo viewer was not refused (exit " + std::to_string(refused.status) + ")");
  std::cout << "demo-viewer was refused (exit 5), as a viewer must be; the attempt is audited\n";
}

// Stages 4..8: the model life cycle through the CLI, as an operator would run it.
void run_model_life_cycle(const std::string& experiment, long timesteps, int stages,
                          const DemoTokenFiles& tokens) {
  std::cout << "\n== 4/" << stages << " features\n";
  required_step({"features", "build"}, false);

  std::cout << "\n== 5/" << stages << " dataset and PPO training (" << timesteps << " steps)\n";
  const std::string stamp = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
  const std::string run_dir = home_dir() + "/runs/demo-" + stamp;
  required_step(
      {"train", "--config", experiment, "--timesteps", std::to_string(timesteps), "--out", run_dir},
      false);

  std::cout << "\n== 6/" << stages << " registry\n";
  const auto reg =
      required_step({"models", "register", run_dir, "--token-file", tokens.researcher}, true)
          .result;
  const std::string model = reg.value("model_id", "");
  if (model.empty()) throw Error(ErrorKind::internal, "models register returned no model_id");
  std::cout << "registered " << model << " (status " << reg.value("status", "?") << ")\n";

  // The held-out test split when the experiment names one, else the validation split.
  std::ifstream run_json(run_dir + "/run.json");
  const auto run = nlohmann::json::parse(run_json, nullptr, false);
  const std::string period =
      run.is_object() && run.contains("test_start") && run["test_start"].is_string() ? "test"
                                                                                     : "validation";
  std::cout << "\n== 7/" << stages << " backtest on the " << period << " split (out of sample)\n";
  const auto bt = required_step({"backtest", "--model", model, "--period", period, "--report",
                                 home_dir() + "/reports/" + model},
                                true)
                      .result;
  const std::string uuid = bt.value("backtest_uuid", "");
  if (uuid.empty()) throw Error(ErrorKind::internal, "backtest returned no backtest_uuid");
  const auto& m = bt.contains("metrics") ? bt["metrics"] : nlohmann::json::object();
  const auto number = [&](const char* key) {
    return m.contains(key) && m[key].is_number() ? m[key].dump() : "-";
  };
  std::cout << "backtest " << uuid << ": return " << number("total_return_pct") << ", Sharpe "
            << number("sharpe_ratio") << ", max drawdown " << number("max_drawdown_pct")
            << ", trades " << number("total_trades") << "\nreport: " << home_dir() << "/reports/"
            << model << "/report.html\n";

  std::cout << "\n== 8/" << stages << " promotion (auto vote, then four-eyes manual vote)\n";
  show_viewer_refused(model, uuid, tokens);
  const auto staging = run_demo_step(
      {"promote", "request", model, "--stage", "staging", "--backtest", uuid, "--reason",
       "demo: short PPO run on the demo market", "--token-file", tokens.researcher},
      true);
  std::cout << "staging request: " << staging.result.value("final_decision", "?") << "\n";
  if (staging.result.value("final_decision", "") != "promoted") {
    required_step({"promote", "show", staging.result.value("request_id", "")}, false);
    std::cout << "The model did not pass the staging gates (the active promotion policy: `usdcop "
                 "promote thresholds`), so it is not "
                 "promoted; a longer run (--timesteps) may do better.\n";
    required_step({"models", "list"}, false);
    return;
  }
  // The 7-day staging rule is skipped by an admin (audited), so the demo shows the whole flow.
  const auto prod =
      required_step({"promote", "request", model, "--stage", "production", "--backtest", uuid,
                     "--reason", "demo: promote the staged demo model", "--token-file", tokens.lead,
                     "--skip-staging-time"},
                    true)
          .result;
  const std::string request = prod.value("request_id", "");
  std::cout << "production request " << request << ": auto vote "
            << prod.value("auto_vote_status", "?") << "\n";
  const auto vote = required_step({"promote", "vote", request, "--approve", "--comment",
                                   "demo: reviewed the backtest report", "--checklist",
                                   "backtest_reviewed,metrics_acceptable,team_notified",
                                   "--token-file", tokens.risk_officer},
                                  true)
                        .result;
  std::cout << "manual vote by demo-risk-officer: " << vote.value("final_decision", "?") << "\n";
  required_step({"models", "list"}, false);
}

// Stage 2: the given bars (and macro file), or the synthetic market; returns the range to check.
std::pair<Timestamp, Timestamp> import_demo_market(app::Services& db, const std::string& data,
                                                   const std::string& macro, uint64_t seed,
                                                   const std::string& from_text,
                                                   const std::string& to_text) {
  if (data.empty()) {
    const Date f = parse_date_or_throw(from_text, "--from");
    const Date t = parse_date_or_throw(to_text, "--to");
    render_text(std::cout, app::ingest_synthetic(db, {f, t, seed}));
    return {cot_midnight(f), cot_midnight(t + std::chrono::days{1})};
  }
  render_text(std::cout, app::ingest_bar_file(db, {data, false}));
  if (!macro.empty()) render_text(std::cout, app::ingest_macro_file(db, macro));
  const auto bars = db.bars().load_bars(Timestamp{}, Timestamp::max());
  if (bars.empty()) throw Error(ErrorKind::invalid_input, "--data: no bars were imported");
  return {bars.front().time, bars.back().time + kBarLength};
}

}  // namespace

void add_demo_command(CLI::App& app) {
  struct Opts {
    std::string data, macro;
    uint64_t seed = 42;
    std::string from = "2024-01-01", to = "2025-12-31";
    std::string experiment;
    long timesteps = 20480;
    bool data_only = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("demo",
                               "The main job: database, data, quality report, features, training, "
                               "backtest, two-vote promotion");
  c->add_option("--data", o->data,
                "Import these bars (.csv/.csv.gz) instead of generating synthetic ones");
  c->add_option("--macro", o->macro, "Import this macro master file (with --data)");
  c->add_option("--seed", o->seed, "Seed of the synthetic market");
  c->add_option("--from", o->from, "First synthetic date");
  c->add_option("--to", o->to, "Last synthetic date");
  c->add_option("--experiment", o->experiment,
                "Experiment file to train (default: config/experiments/demo.yaml for synthetic "
                "data, baseline.yaml with --data)");
  c->add_option("--timesteps", o->timesteps, "PPO steps of the demo training run")
      ->check(CLI::PositiveNumber);
  c->add_flag("--data-only", o->data_only, "Stop after the data-quality report");
  c->callback([o] {
    constexpr int kStages = 8;
    if (o->macro.size() && o->data.empty())
      throw Error(ErrorKind::invalid_input, "--macro needs --data");
    std::cout << "== 1/" << kStages << " database\n";
    auto& db = services(/*migrate_first=*/true);
    std::cout << "PostgreSQL ready at " << store::mask_password(store::database_url()) << "\n\n";

    std::cout << "== 2/" << kStages << " market data\n";
    const auto [from, to] = import_demo_market(db, o->data, o->macro, o->seed, o->from, o->to);
    std::cout << "\n== 3/" << kStages << " data quality\n";
    market::DataCheckOptions opts{from, to, 0.95};
    std::cout << market::run_data_check(db.quality(), db.macro(), market::MacroCatalog::load(),
                                        opts)
                     .summary();
    if (!o->data_only) {
      std::string experiment = o->experiment;
      if (experiment.empty())
        experiment =
            (config_dir() / "experiments" / (o->data.empty() ? "demo.yaml" : "baseline.yaml"))
                .string();
      const auto tokens = ensure_demo_tokens(std::filesystem::path(home_dir()) / "demo-tokens");
      std::cout << "\ndemo principals: demo-researcher (operator), demo-lead and "
                   "demo-risk-officer (admins), demo-viewer (viewer); their tokens are in "
                << tokens.dir.string() << " (user-only files)\n";
      run_model_life_cycle(experiment, o->timesteps, kStages, tokens);
    }
    std::cout << "\nDone. The data stays in " << store::mask_password(store::database_url())
              << " for the next run; `usdcop db stop` stops the database.\n";
  });
}

}  // namespace usdcop::cli
