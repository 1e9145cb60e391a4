// usdcop models register|list|show|card|rollback-targets|rollback|reload (spec 05): parsing
// and rendering only; the use cases are in src/app (model_queries, model_changes, model_reload).
#include <iostream>

#include "app/model_changes.hpp"
#include "app/model_queries.hpp"
#include "app/model_reload.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "command_identity.hpp"
#include "model_render.hpp"
#include "models/model_card.hpp"

namespace usdcop::cli {

namespace {

void add_register(CLI::App& models) {
  struct Opts {
    std::string dir, token_file;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = models.add_subcommand(
      "register", "Verify a run directory's artifact hashes and register the model");
  c->add_option("RUN_DIR", o->dir,
                "Training run directory (run.json, actor.bin, norm_stats.json, ...)")
      ->required();
  add_token_option(*c, o->token_file);
  c->add_flag("--json", o->json, "Machine-readable output");
  c->footer(
      "Exit status: 0 registered; 6 an artifact is missing or its hash differs; 5 already "
      "registered.");
  c->callback([o] {
    const auto caller = command_caller(o->token_file, "models register");
    const auto m = app::register_model(services(), {caller, o->dir});
    print_result(m, o->json, render_json, render_text);
  });
}

void add_list(CLI::App& models) {
  struct Opts {
    std::string status;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = models.add_subcommand("list", "Registered models, newest version first");
  c->add_option("--status", o->status, "Only registered|staging|deployed|archived|rejected");
  c->add_flag("--json", o->json, "Machine-readable output");
  c->callback([o] {
    app::ModelListRequest request;
    if (!o->status.empty()) request.status = models::parse_model_status(o->status);
    print_result(app::list_models(services(), request), o->json, render_json, render_text);
  });
}

void add_show(CLI::App& models) {
  struct Opts {
    std::string id;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = models.add_subcommand("show", "One model with its backtests");
  c->add_option("ID", o->id, "model_id")->required();
  c->add_flag("--json", o->json, "Machine-readable output");
  c->callback(
      [o] { print_result(app::show_model(services(), o->id), o->json, render_json, render_text); });
}

void add_card(CLI::App& models) {
  auto id = std::make_shared<std::string>();
  auto* c = models.add_subcommand("card", "The model card (Markdown, spec 05) on stdout");
  c->add_option("ID", *id, "model_id")->required();
  c->callback([id] { std::cout << models::render_model_card(app::model_card(services(), *id)); });
}

void add_rollback_targets(CLI::App& models) {
  auto json = std::make_shared<bool>(false);
  auto* c = models.add_subcommand(
      "rollback-targets",
      "The production model and up to 5 former production models (newest first)");
  c->add_flag("--json", *json, "Machine-readable output");
  c->callback(
      [json] { print_result(app::rollback_targets(services()), *json, render_json, render_text); });
}

void add_rollback(CLI::App& models) {
  struct Opts {
    std::string to, reason, token_file;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = models.add_subcommand(
      "rollback", "Swap the production model back to a former one (one transaction)");
  c->add_option("--to", o->to, "Target model_id (default: the recommended target)");
  c->add_option("--reason", o->reason, "Why (at least 10 characters)")->required();
  add_token_option(*c, o->token_file);
  c->add_flag("--json", o->json, "Machine-readable output");
  c->footer(
      "Exit status: 0 swapped; 2 invalid target or no production model; 5 a rollback or promotion "
      "is in\n"
      "progress; 6 the target's artifacts do not verify.");
  c->callback([o] {
    app::RollbackRequest request{command_caller(o->token_file, "models rollback"), {}, o->reason};
    if (!o->to.empty()) request.target_model = o->to;
    print_result(app::rollback_model(services(), request), o->json, render_json, render_text);
  });
}

void add_reload(CLI::App& models) {
  struct Opts {
    std::string reason, token_file;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = models.add_subcommand(
      "reload",
      "Re-verify the deployed and staging models against the registry and tell running engines "
      "to reload them (admin; audited)");
  c->add_option("--reason", o->reason, "Why (recorded in the audit row)");
  add_token_option(*c, o->token_file);
  c->add_flag("--json", o->json, "Machine-readable output");
  c->footer(
      "Exit status: 0 reloaded; 5 the token is not an admin's; 6 a model's artifacts do not "
      "verify\n(nothing is reloaded then).");
  c->callback([o] {
    const auto out =
        app::reload_models(services(), {command_caller(o->token_file, "models reload"), o->reason});
    print_result(out, o->json, app::to_json, render_text);
  });
}

void add_models_commands(CLI::App& app) {
  auto* models = app.add_subcommand(
      "models", "Model registry: register, list, show, card, rollback, reload (spec 05)");
  models->require_subcommand(1);
  add_register(*models);
  add_list(*models);
  add_show(*models);
  add_card(*models);
  add_rollback_targets(*models);
  add_rollback(*models);
  add_reload(*models);
}

const CommandRegistration reg{50, add_models_commands};

}  // namespace
}  // namespace usdcop::cli
