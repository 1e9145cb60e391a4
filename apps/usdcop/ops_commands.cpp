// usdcop ops status|pause|kill|resume|flatten: the operations mode of spec 06 from the CLI, with
// the same transition rules and audit rows as the API. Kill closes the open positions in its
// own transaction; flatten closes them and pauses, without a kill.
#include <iostream>

#include "app/operations.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "command_identity.hpp"
#include "core/error.hpp"

namespace usdcop::cli {
namespace {

struct OpsOpts {
  std::string reason, token_file, confirm;
  bool json = false, keep_positions = false;
};

nlohmann::json engine_json(const store::EngineStatus& status) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& w : status.watermarks) {
    j["watermarks"][w.name] = {
        {"value", w.value ? nlohmann::json(*w.value) : nlohmann::json(nullptr)},
        {"epoch", w.epoch}};
    if (w.name == "leader") j["leader"] = {{"epoch", w.epoch}, {"holder", w.holder}};
  }
  auto positions = nlohmann::json::array();
  for (const auto& p : status.positions) {
    positions.push_back({{"account", p.account},
                         {"quantity", p.quantity},
                         {"units", p.units},
                         {"avg_price", p.avg_price},
                         {"cash", p.cash},
                         {"last_price", p.last_price}});
  }
  j["positions"] = positions;
  j["dead_letters_open"] = status.dead_letters_open;
  return j;
}

app::ModeAction mode_action(const std::string& action) {
  if (action == "pause") return app::ModeAction::pause;
  if (action == "kill") return app::ModeAction::kill;
  if (action == "resume") return app::ModeAction::resume;
  return app::ModeAction::flatten;
}

void print_change(const std::string& action, const store::ModeChange& c, bool json,
                  const std::string& request_id) {
  if (json) {
    print_json({{"action", action},
                {"previous", c.previous},
                {"mode", c.mode},
                {"changed", c.changed},
                {"positions_closed", c.positions_closed},
                {"request_id", request_id}});
    return;
  }
  if (!c.changed) {
    std::cout << "already " << c.mode << " (nothing changed)\n";
    return;
  }
  std::cout << action << ": " << c.previous << " -> " << c.mode;
  if (c.positions_closed > 0) std::cout << ", " << c.positions_closed << " position(s) closed";
  std::cout << "\n";
}

void add_change(CLI::App& ops, const std::string& action, const std::string& help) {
  auto o = std::make_shared<OpsOpts>();
  auto* c = ops.add_subcommand(action, help);
  c->add_option("--reason", o->reason, "Why (recorded in the audit log)")->required();
  add_token_option(*c, o->token_file);
  c->add_flag("--json", o->json, "Machine-readable output");
  if (action == "kill")
    c->add_flag("--keep-positions", o->keep_positions, "Do not close the open positions");
  if (action == "resume")
    c->add_option("--confirm", o->confirm, "CONFIRM_RESUME, required to resume after a kill");
  c->footer(
      "Exit status: 0 done (or nothing to do); 2 bad input or missing confirmation; 5 not "
      "allowed in the current mode (e.g. pause while KILLED).");
  c->callback([o, action] {
    app::ModeChangeRequest request;
    request.caller = command_caller(o->token_file, "ops " + action);
    request.action = mode_action(action);
    request.reason = o->reason;
    request.confirmation = o->confirm;
    request.close_positions = !o->keep_positions;
    request.audited_as = "ops " + action;
    const auto change = app::change_operations_mode(services(), request);
    print_change(action, change, o->json, request.caller.request_id);
  });
}

void add_ops_commands(CLI::App& app) {
  auto* ops =
      app.add_subcommand("ops", "Operations mode (spec 06): status, pause, kill, resume, flatten");
  ops->require_subcommand(1);
  auto json = std::make_shared<bool>(false);
  auto* status = ops->add_subcommand("status", "The mode, the engine's watermarks and positions");
  status->add_flag("--json", *json, "Machine-readable output");
  status->callback([json] {
    const auto state = app::operations_mode(services());
    nlohmann::json j = {{"mode", state.mode},
                        {"reason", state.reason},
                        {"changed_by", state.changed_by},
                        {"changed_at", format_rfc3339(state.changed_at)},
                        {"kill_switch_active", state.kill_switch_active}};
    j["engine"] = engine_json(app::engine_overview(services()));
    if (*json) {
      print_json(j);
      return;
    }
    std::cout << "mode " << state.mode << " (since " << format_rfc3339(state.changed_at) << " by "
              << state.changed_by << ": " << state.reason << ")\n"
              << "engine " << j["engine"].dump() << "\n";
  });
  add_change(*ops, "pause", "Pause: no new entries, exits allowed");
  add_change(*ops, "kill", "Kill switch: stop trading and close the open positions");
  add_change(*ops, "resume", "Back to NORMAL (after a kill only with --confirm CONFIRM_RESUME)");
  add_change(*ops, "flatten", "Close the open positions and pause, without a kill");
}

const CommandRegistration reg{66, add_ops_commands};

}  // namespace
}  // namespace usdcop::cli
