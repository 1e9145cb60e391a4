// usdcop ops status|pause|kill|resume|flatten: the operations mode of spec 06 from the CLI, with
// the same transition rules and audit rows as the API. Kill closes the open positions in its
// own transaction; flatten closes them and pauses, without a kill.
#include <iostream>
#include <pqxx/pqxx>

#include "cli_context.hpp"
#include "cli_services.hpp"
#include "command_identity.hpp"
#include "core/error.hpp"
#include "store/pg_copy.hpp"
#include "store/pg_operations_control.hpp"

namespace usdcop::cli {
namespace {

struct OpsOpts {
  std::string reason, token_file, confirm;
  bool json = false, keep_positions = false;
};

nlohmann::json engine_status(store::ConnectionPool& pool) {
  auto conn = pool.acquire();
  pqxx::read_transaction tx(*conn, "ops_status");
  nlohmann::json j = nlohmann::json::object();
  for (const auto& r : tx.exec("SELECT name, to_char(value AT TIME ZONE 'UTC', "
                               "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), epoch, coalesce(holder, '') "
                               "FROM system.watermarks ORDER BY name")) {
    j["watermarks"][r[0].c_str()] = {
        {"value", r[1].is_null() ? nlohmann::json(nullptr) : nlohmann::json(r[1].c_str())},
        {"epoch", r[2].as<long>()}};
    if (std::string(r[0].c_str()) == "leader")
      j["leader"] = {{"epoch", r[2].as<long>()}, {"holder", r[3].c_str()}};
  }
  auto positions = nlohmann::json::array();
  for (const auto& r : tx.exec("SELECT account, quantity, units, avg_price, cash, last_price "
                               "FROM trading.positions ORDER BY account")) {
    positions.push_back({{"account", r[0].c_str()},
                         {"quantity", r[1].as<double>()},
                         {"units", r[2].as<double>()},
                         {"avg_price", r[3].as<double>()},
                         {"cash", r[4].as<double>()},
                         {"last_price", r[5].is_null() ? 0.0 : r[5].as<double>()}});
  }
  j["positions"] = positions;
  j["dead_letters_open"] =
      tx.exec1("SELECT count(*) FROM system.dead_letter_queue WHERE status <> 'resolved'")[0]
          .as<long>();
  return j;
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
    const auto actor = authenticated_actor(o->token_file, models::Role::operator_, "ops " + action);
    store::PgOperationsControl control(services().pool());
    store::ModeChange change;
    app::audit_refusals(services(), actor.name, "ops " + action, [&] {
      if (action == "pause") change = control.pause(o->reason, actor);
      if (action == "kill") change = control.kill(o->reason, actor, {}, !o->keep_positions);
      if (action == "resume") change = control.resume(o->reason, actor, o->confirm);
      if (action == "flatten") change = control.flatten(o->reason, actor);
    });
    print_change(action, change, o->json, actor.request_id);
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
    auto& pool = services().pool();
    const auto state = store::PgOperationsControl(pool).mode();
    nlohmann::json j = {{"mode", state.mode},
                        {"reason", state.reason},
                        {"changed_by", state.changed_by},
                        {"changed_at", format_rfc3339(state.changed_at)},
                        {"kill_switch_active", state.kill_switch_active}};
    j["engine"] = engine_status(pool);
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
