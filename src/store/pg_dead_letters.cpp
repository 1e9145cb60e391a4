#include "store/pg_dead_letters.hpp"

#include <pqxx/pqxx>

#include "core/error.hpp"
#include "market/bar_validation.hpp"
#include "store/notify.hpp"
#include "store/pg_copy.hpp"
#include "store/pg_operations_control.hpp"
#include "store/pg_registry_rows.hpp"

namespace usdcop::store {
namespace {

const std::string kColumns =
    "id, event_id, handler, channel, status, error, payload::text, "
    "attempts, retries, " +
    sql_micros_of("next_retry_at") + ", " + sql_micros_of("created_at") + ", " +
    sql_micros_of("updated_at") + ", coalesce(resolved_by, ''), coalesce(resolution, '')";

DeadLetterRow row_of(const pqxx::row& r) {
  DeadLetterRow d;
  d.id = r[0].as<long>();
  d.event_id = r[1].c_str();
  d.handler = r[2].c_str();
  d.channel = r[3].c_str();
  d.status = r[4].c_str();
  d.error = r[5].c_str();
  d.payload = nlohmann::json::parse(r[6].c_str());
  d.attempts = r[7].as<int>();
  d.retries = r[8].as<int>();
  if (!r[9].is_null()) d.next_retry_at = from_micros(r[9].as<int64_t>());
  d.created_at = from_micros(r[10].as<int64_t>());
  d.updated_at = from_micros(r[11].as<int64_t>());
  d.resolved_by = r[12].c_str();
  d.resolution = r[13].c_str();
  return d;
}

DeadLetterRow locked_row(pqxx::work& tx, long id) {
  const auto r = tx.exec_params(
      "SELECT " + kColumns + " FROM system.dead_letter_queue WHERE id = $1 FOR UPDATE", id);
  if (r.empty())
    throw Error(ErrorKind::not_found, "dead letter " + std::to_string(id) + " does not exist",
                "id");
  auto row = row_of(r[0]);
  if (row.status == "resolved")
    throw Error(ErrorKind::conflict, "dead letter " + std::to_string(id) + " is already resolved",
                "id");
  return row;
}

}  // namespace

nlohmann::json DeadLetterRow::to_json() const {
  return {{"id", id},
          {"event_id", event_id},
          {"handler", handler},
          {"channel", channel},
          {"status", status},
          {"error", error},
          {"payload", payload},
          {"attempts", attempts},
          {"retries", retries},
          {"next_retry_at", next_retry_at ? nlohmann::json(format_rfc3339(*next_retry_at))
                                          : nlohmann::json(nullptr)},
          {"created_at", format_rfc3339(created_at)},
          {"updated_at", format_rfc3339(updated_at)},
          {"resolved_by", resolved_by},
          {"resolution", resolution}};
}

long PgDeadLetters::record(const live::DeadLetter& l) {
  const long id = guard_connection("recording a dead letter", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "dead_letter");
    const nlohmann::json payload{{"bar_time", format_rfc3339(l.bar_time)}};
    const auto r = tx.exec_params(
        "INSERT INTO system.dead_letter_queue (event_id, handler, channel, payload, error, "
        "attempts, next_retry_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6, now() + interval '60 "
        "seconds') ON CONFLICT (event_id, handler) DO UPDATE SET status = 'pending', error = "
        "EXCLUDED.error, attempts = system.dead_letter_queue.attempts + EXCLUDED.attempts, "
        "retries = 0, next_retry_at = EXCLUDED.next_retry_at, updated_at = now(), resolved_by = "
        "NULL, resolved_at = NULL, resolution = NULL RETURNING id",
        l.event_id, l.handler, l.channel, payload.dump(), sanitize_utf8(l.error), l.attempts);
    notify(tx, events::Alert{"dead_letter",
                             "P1",
                             "live engine: " + l.handler + " failed for " + l.event_id,
                             {{"event_id", l.event_id},
                              {"handler", l.handler},
                              {"attempts", l.attempts},
                              {"error", market::text_excerpt(l.error, 400)}}});
    tx.commit();
    return r[0][0].as<long>();
  });
  // L1/L5 failures block the later bars: trading pauses until the letter is handled.
  try {
    PgOperationsControl(pool_).pause(
        "dead letter " + std::to_string(id) + ": " + l.handler + " failed for " + l.event_id,
        Actor{"live-engine", "system", ""}, {{"dead_letter_id", id}, {"event_id", l.event_id}});
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::conflict) throw;  // already KILLED: stays killed
  }
  return id;
}

std::optional<live::DeadLetterState> PgDeadLetters::state(long id) {
  return guard_connection("reading a dead letter", [&]() -> std::optional<live::DeadLetterState> {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn, "dead_letter_state");
    const auto r = tx.exec_params(
        "SELECT status, attempts, status = 'pending' AND next_retry_at <= now() FROM "
        "system.dead_letter_queue WHERE id = $1",
        id);
    if (r.empty()) return std::nullopt;
    return live::DeadLetterState{id, r[0][0].c_str(), r[0][1].as<int>(), r[0][2].as<bool>()};
  });
}

void PgDeadLetters::retry_failed(long id, const std::string& error) {
  guard_connection("updating a dead letter", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "dead_letter_retry_failed");
    // Retries at 60 s (done), 300 s and 900 s after entering the queue, then exhausted.
    tx.exec_params(
        "UPDATE system.dead_letter_queue SET attempts = attempts + 1, retries = retries + 1, "
        "error = $2, updated_at = now(), next_retry_at = CASE retries + 1 WHEN 1 THEN created_at "
        "+ interval '300 seconds' WHEN 2 THEN created_at + interval '900 seconds' ELSE NULL END, "
        "status = CASE WHEN retries + 1 >= 3 THEN 'exhausted' ELSE 'pending' END WHERE id = $1",
        id, sanitize_utf8(error));
    tx.commit();
  });
}

void PgDeadLetters::resolved(long id, const std::string& by, const std::string& how) {
  guard_connection("resolving a dead letter", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "dead_letter_resolved");
    tx.exec_params(
        "UPDATE system.dead_letter_queue SET status = 'resolved', resolved_by = $2, resolved_at = "
        "now(), resolution = $3, next_retry_at = NULL, updated_at = now() WHERE id = $1",
        id, by, how);
    tx.commit();
  });
}

std::vector<DeadLetterRow> PgDeadLetters::list(const std::string& status) {
  return guard_connection("listing dead letters", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn, "dead_letters");
    const auto r = status.empty()
                       ? tx.exec("SELECT " + kColumns +
                                 " FROM system.dead_letter_queue WHERE status <> 'resolved' "
                                 "ORDER BY id")
                       : tx.exec_params("SELECT " + kColumns +
                                            " FROM system.dead_letter_queue WHERE status = $1 "
                                            "ORDER BY id",
                                        status);
    std::vector<DeadLetterRow> out;
    for (const auto& row : r) out.push_back(row_of(row));
    return out;
  });
}

DeadLetterRow PgDeadLetters::retry(long id, const Actor& actor) {
  return guard_connection("retrying a dead letter", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "dlq_retry");
    auto row = locked_row(tx, id);
    tx.exec_params(
        "UPDATE system.dead_letter_queue SET status = 'pending', next_retry_at = now(), "
        "updated_at = now() WHERE id = $1",
        id);
    append_audit(tx, {0,
                      {},
                      actor.name,
                      actor.role,
                      "dlq.retry",
                      "dead_letter",
                      std::to_string(id),
                      row.status,
                      "pending",
                      "retry requested",
                      {{"event_id", row.event_id}, {"handler", row.handler}},
                      actor.request_id});
    tx.commit();
    row.status = "pending";
    return row;
  });
}

DeadLetterRow PgDeadLetters::resolve(long id, const std::string& reason, const Actor& actor) {
  if (reason.empty())
    throw Error(ErrorKind::invalid_input, "reason: resolving needs a reason", "reason");
  return guard_connection("resolving a dead letter", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "dlq_resolve");
    auto row = locked_row(tx, id);
    tx.exec_params(
        "UPDATE system.dead_letter_queue SET status = 'resolved', resolved_by = $2, "
        "resolved_at = now(), resolution = $3, next_retry_at = NULL, updated_at = now() "
        "WHERE id = $1",
        id, actor.name, reason);
    append_audit(tx, {0,
                      {},
                      actor.name,
                      actor.role,
                      "dlq.resolve",
                      "dead_letter",
                      std::to_string(id),
                      row.status,
                      "resolved",
                      reason,
                      {{"event_id", row.event_id}, {"handler", row.handler}},
                      actor.request_id});
    tx.commit();
    row.status = "resolved";
    row.resolved_by = actor.name;
    row.resolution = reason;
    return row;
  });
}

}  // namespace usdcop::store
