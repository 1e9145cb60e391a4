// usdcop demo: the main job of the README quick start. It runs every stage that exists, in
// order, printing what it does: database, market data, data quality in process; then features,
// training, registry, backtest and the two-vote promotion as the very commands an operator
// would type (demo_steps.hpp); then (spec 12) `usdcop up` replays the held-back sessions so the
// model trades them on paper, until Ctrl-C. --no-serve stops after the promotion.
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
#include "demo_market.hpp"
#include "demo_steps.hpp"
#include "identity/token.hpp"
#include "ingest_render.hpp"
#include "market/data_check.hpp"
#include "store/database.hpp"
#include "up_command.hpp"

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

// Spec 12: the demo ends with its model trading on paper. A short run rarely passes the staging
// gates, and a rejected model can never be promoted, so an admin (demo-lead) applies the demo's
// promotion policy first: staging gates relaxed (a staging model only trades in shadow), the
// production gates unchanged. Audited (`policy.apply`); `usdcop policy apply
// config/promotion.yaml --kind promotion` restores the seed.
void apply_demo_policy(const DemoTokenFiles& tokens) {
  std::cout << "demo-lead (admin) applies the demo promotion policy: relaxed STAGING gates so the "
               "short run can reach staging; the production gates stay as they are (audited)\n";
  required_step({"policy", "apply", (config_dir() / "promotion-demo.yaml").string(), "--kind",
                 "promotion", "--token-file", tokens.lead},
                false);
}

void say_override(const std::string& request) {
  std::cout << "OVERRIDE: the model fails the production gates (`usdcop promote show " << request
            << "`). demo-risk-officer, a second admin, approves it anyway so that the demo can "
               "show it trading on paper: an admin override, audited as promotion.override and "
               "announced on usdcop_alerts. Do not do this with a real model.\n";
}

// Stages 4..8: the model life cycle through the CLI, as an operator would run it.
void run_model_life_cycle(const std::string& experiment, long timesteps, int stages,
                          const DemoTokenFiles& tokens, bool live_ending) {
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
  if (live_ending) apply_demo_policy(tokens);
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
  if (prod.value("auto_vote_status", "") != "passed") say_override(request);
  const auto vote = required_step({"promote", "vote", request, "--approve", "--comment",
                                   "demo: reviewed the backtest report", "--checklist",
                                   "backtest_reviewed,metrics_acceptable,team_notified",
                                   "--token-file", tokens.risk_officer},
                                  true)
                        .result;
  std::cout << "manual vote by demo-risk-officer: " << vote.value("final_decision", "?") << "\n";
  required_step({"models", "list"}, false);
}

}  // namespace

namespace {

struct DemoOpts {
  std::string data, macro;
  uint64_t seed = 42;
  std::string from = "2024-01-01", to = "2025-12-31";
  std::string experiment;
  long timesteps = 20480;
  bool data_only = false;
  bool no_serve = false;
  int hold_back_sessions = 3;
  std::string speed = "600";
  int port = 8080;
};

// Stage 9 (spec 12): `usdcop up` in this process, replaying the held-back sessions, until
// Ctrl-C. The admin token is demo-lead's: shown on the run that created it, else its file.
void run_live_ending(const DemoOpts& o, const DemoMarket& market, const DemoTokenFiles& tokens,
                     int stages) {
  std::cout << "\n== " << stages << "/" << stages
            << " live: the API and the engine replaying the held-back sessions on paper\n";
  if (tokens.lead_created)
    std::cout << "demo-lead's admin token (shown only on this first run): "
              << identity::read_token(tokens.lead) << "\n";
  UpOptions up;
  up.api.port = o.port;
  up.engine.replay = market.replay.string();
  up.engine.speed = o.speed;
  up.admin_token_file = tokens.lead;
  std::cout << "$ usdcop up" << (up.engine.replay.empty() ? "" : " --replay " + up.engine.replay)
            << " --speed " << o.speed << " --port " << o.port << " --admin-token-file "
            << tokens.lead << std::endl;
  std::cout << (o.speed == "max"
                    ? std::string("(the replay runs as fast as it can")
                    : "(the replay paces bars at " + o.speed + "x market time, nights included")
            << "; Ctrl-C stops everything cleanly, the data stays)" << std::endl;
  run_up(up);
}

void run_demo(const DemoOpts& o) {
  const int stages = o.no_serve || o.data_only ? 8 : 9;
  if (o.macro.size() && o.data.empty())
    throw Error(ErrorKind::invalid_input, "--macro needs --data");
  std::cout << "== 1/" << stages << " database\n";
  auto& db = services(/*migrate_first=*/true);
  std::cout << "PostgreSQL ready at " << store::mask_password(store::database_url()) << "\n\n";

  std::cout << "== 2/" << stages << " market data\n";
  const bool live = stages == 9;
  const auto market = import_demo_market(
      db, {o.data, o.macro, o.seed, o.from, o.to, live ? o.hold_back_sessions : 0,
           std::filesystem::path(home_dir()) / "demo-replay.csv"});
  std::cout << "\n== 3/" << stages << " data quality\n";
  market::DataCheckOptions opts{market.from, market.to, 0.95};
  std::cout << market::run_data_check(db.quality(), db.macro(), market::MacroCatalog::load(), opts)
                   .summary();
  if (o.data_only) return;
  std::string experiment = o.experiment;
  if (experiment.empty())
    experiment =
        (config_dir() / "experiments" / (o.data.empty() ? "demo.yaml" : "baseline.yaml")).string();
  const auto tokens = ensure_demo_tokens(std::filesystem::path(home_dir()) / "demo-tokens");
  std::cout << "\ndemo principals: demo-researcher (operator), demo-lead and "
               "demo-risk-officer (admins), demo-viewer (viewer); their tokens are in "
            << tokens.dir.string() << " (user-only files)\n";
  run_model_life_cycle(experiment, o.timesteps, stages, tokens, live);
  if (live) return run_live_ending(o, market, tokens, stages);
  std::cout << "\nDone. The data stays in " << store::mask_password(store::database_url())
            << " for the next run; `usdcop db stop` stops the database.\n";
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto o = std::make_shared<DemoOpts>();
  auto* c = app.add_subcommand("demo",
                               "The main job: database, data, quality report, features, training, "
                               "backtest, two-vote promotion, then the model trading a replay");
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
  c->add_flag("--no-serve", o->no_serve,
              "Stop after the promotion (no held-back sessions, no server, no replay)");
  c->add_option("--hold-back", o->hold_back_sessions,
                "Synthetic sessions held back from the import and replayed live (default 3)")
      ->check(CLI::Range(1, 60));
  c->add_option("--speed", o->speed,
                "Replay speed: simulated seconds per real second, or max (default 600)");
  c->add_option("--port", o->port, "API port of the live ending (default 8080; 0: any free port)")
      ->check(CLI::Range(0, 65535));
  c->callback([o] { run_demo(*o); });
}

}  // namespace usdcop::cli
