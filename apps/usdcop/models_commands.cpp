// usdcop models register|list|show|card|rollback-targets|rollback (spec 05)
#include <chrono>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>

#include "app_database.hpp"
#include "cli_context.hpp"
#include "command_identity.hpp"
#include "core/error.hpp"
#include "features/contract.hpp"
#include "models/model_card.hpp"
#include "models/promotion_policy.hpp"
#include "models_cli.hpp"
#include "store/pg_model_registry.hpp"

namespace usdcop::cli {

std::string new_request_id() {
  std::random_device rd;
  std::mt19937_64 gen(
      (static_cast<uint64_t>(rd()) << 32) ^ rd() ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::ostringstream os;
  os << "cli-" << std::hex << std::setw(16) << std::setfill('0') << gen();
  return os.str();
}

namespace {

std::string opt_num(const std::optional<double>& v) {
  if (!v) return "—";
  std::ostringstream os;
  os << std::fixed << std::setprecision(3) << *v;
  return os.str();
}

void print_model_line(const models::ModelRecord& m) {
  std::cout << std::left << std::setw(28) << m.model_id << " v" << std::setw(4) << m.version << " "
            << std::setw(11) << models::to_string(m.status) << " " << m.model_hash.substr(0, 12)
            << "  " << format_rfc3339(m.created_at)
            << (m.was_production ? "  (was production)" : "") << "\n";
}

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
    const auto actor =
        authenticated_actor(o->token_file, models::Role::operator_, "models register");
    store::PgModelRegistry registry(open_app_database().pool());
    const auto m = registry.register_run(o->dir, actor);
    if (o->json)
      print_json(models::to_json(m));
    else
      std::cout << "registered " << m.model_id << " as version " << m.version << " (model_hash "
                << m.model_hash << ")\n";
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
    std::optional<models::ModelStatus> status;
    if (!o->status.empty()) status = models::parse_model_status(o->status);
    store::PgModelRegistry registry(open_app_database().pool());
    const auto all = registry.list(status);
    if (o->json) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& m : all) j.push_back(models::to_json(m));
      print_json(j);
      return;
    }
    if (all.empty()) std::cout << "no models\n";
    for (const auto& m : all) print_model_line(m);
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
  c->callback([o] {
    store::PgModelRegistry registry(open_app_database().pool());
    const auto m = registry.get(o->id);
    const auto bts = registry.backtests(o->id);
    nlohmann::json j = models::to_json(m);
    j["config"] = m.config;
    j["backtests"] = nlohmann::json::array();
    for (const auto& b : bts) j["backtests"].push_back(models::to_json(b));
    if (o->json) {
      print_json(j);
      return;
    }
    for (const auto& [k, v] : j.items()) {
      if (k == "config" || k == "backtests") continue;
      std::cout << std::left << std::setw(20) << k
                << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
    }
    std::cout << "backtests:\n";
    for (const auto& b : bts) {
      std::cout << "  " << b.backtest_id << "  " << b.period_type << " "
                << format_date(b.start_date) << ".." << format_date(b.end_date) << "  sharpe "
                << opt_num(b.sharpe_ratio) << "  win " << opt_num(b.win_rate) << "  maxDD "
                << opt_num(b.max_drawdown_pct) << "\n";
    }
  });
}

void add_card(CLI::App& models) {
  auto id = std::make_shared<std::string>();
  auto* c = models.add_subcommand("card", "The model card (Markdown, spec 05) on stdout");
  c->add_option("ID", *id, "model_id")->required();
  c->callback([id] {
    store::PgModelRegistry registry(open_app_database().pool());
    std::cout << models::render_model_card(registry.card_data(*id));
  });
}

nlohmann::json target_json(const store::RollbackTarget& t) {
  return {{"model", models::to_json(t.model)},
          {"current", t.current},
          {"recommended", t.recommended},
          {"backtest", t.backtest ? models::to_json(*t.backtest) : nlohmann::json(nullptr)}};
}

void add_rollback_targets(CLI::App& models) {
  auto json = std::make_shared<bool>(false);
  auto* c = models.add_subcommand(
      "rollback-targets",
      "The production model and up to 5 former production models (newest first)");
  c->add_flag("--json", *json, "Machine-readable output");
  c->callback([json] {
    store::PgModelRegistry registry(open_app_database().pool());
    const auto targets = registry.rollback_targets();
    if (*json) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& t : targets) j.push_back(target_json(t));
      print_json(j);
      return;
    }
    if (targets.empty()) std::cout << "no production model\n";
    for (const auto& t : targets) {
      std::cout << (t.current       ? "current     "
                    : t.recommended ? "recommended "
                                    : "            ")
                << std::left << std::setw(28) << t.model.model_id << " v" << std::setw(4)
                << t.model.version;
      if (t.backtest) {
        std::cout << " sharpe " << opt_num(t.backtest->sharpe_ratio) << " win "
                  << opt_num(t.backtest->win_rate) << " maxDD "
                  << opt_num(t.backtest->max_drawdown_pct);
      } else {
        std::cout << " (no backtest)";
      }
      std::cout << "\n";
    }
  });
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
    const auto actor = authenticated_actor(o->token_file, models::Role::admin, "models rollback");
    store::PgModelRegistry registry(open_app_database().pool());
    std::optional<std::string> to;
    if (!o->to.empty()) to = o->to;
    store::RollbackResult r;
    audit_refusals(actor.name, "models rollback", [&] {
      r = registry.rollback(to, o->reason, actor, std::string(features::kBuilderVersion));
    });
    if (o->json) {
      print_json({{"success", true},
                  {"previous_model", r.previous_model},
                  {"new_model", r.new_model},
                  {"rollback_time_ms", r.rollback_time_ms},
                  {"request_id", actor.request_id}});
    } else {
      std::cout << "rolled back " << r.previous_model << " -> " << r.new_model << " in "
                << std::fixed << std::setprecision(1) << r.rollback_time_ms << " ms\n";
    }
  });
}

void add_models_commands(CLI::App& app) {
  auto* models = app.add_subcommand(
      "models", "Model registry: register, list, show, card, rollback (spec 05)");
  models->require_subcommand(1);
  add_register(*models);
  add_list(*models);
  add_show(*models);
  add_card(*models);
  add_rollback_targets(*models);
  add_rollback(*models);
}

const CommandRegistration reg{50, add_models_commands};

}  // namespace
}  // namespace usdcop::cli
