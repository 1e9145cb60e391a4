#include "store/pg_operations_control.hpp"

#include <pqxx/pqxx>

#include "core/error.hpp"
#include "store/notify.hpp"
#include "store/pg_copy.hpp"
#include "store/pg_position_close.hpp"
#include "store/pg_registry_rows.hpp"

namespace usdcop::store {
namespace {

trading::OperationsMode stored_mode(const std::string& text) {
  const auto mode = trading::parse_operations_mode(text);
  if (!mode) throw Error(ErrorKind::integrity, "trading.operations_state: unknown mode " + text);
  return *mode;
}

}  // namespace

OperationsState PgOperationsControl::mode() {
  return guard_connection("reading the operations mode", [&] {
    auto conn = pool_.acquire();
    pqxx::nontransaction tx(*conn);  // one statement: one round trip (GET /operations/status)
    const auto r = tx.exec("SELECT mode, reason, changed_by, " + sql_micros_of("changed_at") +
                           ", kill_switch_active FROM trading.operations_state WHERE id = 1");
    if (r.empty()) throw Error(ErrorKind::internal, "trading.operations_state has no row");
    return OperationsState{text_of(r[0][0]), text_of(r[0][1]), text_of(r[0][2]),
                           from_micros(r[0][3].as<int64_t>()), r[0][4].as<bool>()};
  });
}

ModeChange PgOperationsControl::pause(const std::string& reason, const Actor& actor,
                                      const nlohmann::json& details) {
  return change("pause", reason, actor, details, "");
}
ModeChange PgOperationsControl::kill(const std::string& reason, const Actor& actor,
                                     const nlohmann::json& details, bool close_positions) {
  return change("kill", reason, actor, details, "", close_positions);
}
ModeChange PgOperationsControl::flatten(const std::string& reason, const Actor& actor) {
  return change("flatten", reason, actor, nlohmann::json::object(), "", true);
}
ModeChange PgOperationsControl::resume(const std::string& reason, const Actor& actor,
                                       const std::string& confirmation) {
  return change("resume", reason, actor, nlohmann::json::object(), confirmation);
}

ModeChange PgOperationsControl::change(const std::string& action, const std::string& reason,
                                       const Actor& actor, const nlohmann::json& details,
                                       const std::string& confirmation, bool close_positions) {
  if (reason.empty()) throw Error(ErrorKind::invalid_input, "reason: a mode change needs a reason");
  if (actor.name.empty())
    throw Error(ErrorKind::invalid_input, "actor: a mode change needs an actor");
  return guard_connection("changing the operations mode", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "operations_mode");
    const auto r = tx.exec(
        "SELECT mode, coalesce(reason, '') FROM trading.operations_state WHERE id = 1 FOR UPDATE");
    if (r.empty()) throw Error(ErrorKind::internal, "trading.operations_state has no row");
    const std::string from = text_of(r[0][0]);
    std::string to = from;
    std::string stored_reason = reason;
    if (action == "pause" || action == "flatten") {
      if (from == "KILLED")
        throw Error(ErrorKind::conflict,
                    "cannot " + action + ": the kill switch is active (resume first)");
      to = "PAUSED";
    } else if (action == "kill") {
      to = "KILLED";
      if (from == "KILLED") stored_reason = text_of(r[0][1]) + "; " + reason;
    } else {
      if (from == "KILLED" && confirmation != kResumeConfirmation) {
        throw Error(ErrorKind::invalid_input,
                    std::string("confirmation: resuming after a kill needs the code ") +
                        kResumeConfirmation);
      }
      to = "NORMAL";
    }
    ModeChange result{from, to, from != to || action == "kill" || action == "flatten"};
    nlohmann::json d = details.is_object() ? details : nlohmann::json::object();
    if (close_positions) {
      const auto closed = close_open_positions(tx, action == "kill" ? "kill_switch" : "flatten");
      result.positions_closed = static_cast<long>(closed.size());
      d["positions_closed"] = closed;
    }
    if (!result.changed) return result;
    tx.exec_params(
        "UPDATE trading.operations_state SET mode = $1, reason = $2, changed_by = $3, changed_at = "
        "now(), "
        "kill_switch_active = $4 WHERE id = 1",
        to, stored_reason, actor.name, to == "KILLED");
    append_audit(tx, {0,
                      {},
                      actor.name,
                      actor.role,
                      "operations." + action,
                      "operations_state",
                      "1",
                      from,
                      to,
                      reason,
                      d,
                      actor.request_id});
    notify(tx, events::OperationsModeChanged{stored_mode(to), stored_mode(from), stored_reason,
                                             actor.name, result.positions_closed});
    tx.commit();
    return result;
  });
}

}  // namespace usdcop::store
