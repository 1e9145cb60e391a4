#include "store/pg_audit_log.hpp"

#include <pqxx/pqxx>

#include "store/pg_copy.hpp"
#include "store/pg_registry_rows.hpp"

namespace usdcop::store {

ChainVerification PgAuditLog::verify() {
  return guard_connection("verifying the audit log", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);  // one SELECT: one snapshot
    return verify_audit_chain(tx);
  });
}

std::vector<models::AuditEntry> PgAuditLog::range(Timestamp from, Timestamp to) {
  return guard_connection("exporting the audit log", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::vector<models::AuditEntry> out;
    for (const auto& r : tx.exec_params(
             "SELECT " + kAuditColumns +
                 " FROM system.audit_log WHERE at >= " + sql_time_from_micros("$1::bigint") +
                 " AND at < " + sql_time_from_micros("$2::bigint") + " ORDER BY at, id",
             to_pg_micros(from), to_pg_micros(to))) {
      out.push_back(audit_from_row(r));
    }
    return out;
  });
}

std::vector<models::AuditEntry> PgAuditLog::query(const AuditQuery& q) {
  return guard_connection("reading the audit log", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::vector<models::AuditEntry> out;
    const std::string order = q.newest_first ? " ORDER BY at DESC, id DESC" : " ORDER BY at, id";
    for (const auto& r : tx.exec_params(
             "SELECT " + kAuditColumns +
                 " FROM system.audit_log WHERE at >= " + sql_time_from_micros("$1::bigint") +
                 " AND at < " + sql_time_from_micros("$2::bigint") +
                 " AND ($3 = '' OR actor = $3) AND ($4 = '' OR action = $4) AND ($5 = '' OR "
                 "starts_with(action, $5))" +
                 order + " LIMIT $6",
             to_pg_micros(q.from), to_pg_micros(q.to), q.actor, q.action, q.action_prefix,
             q.limit)) {
      out.push_back(audit_from_row(r));
    }
    return out;
  });
}

std::vector<models::AuditEntry> PgAuditLog::for_object(const std::string& object_type,
                                                       const std::string& object_id) {
  return guard_connection("reading the audit log", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::vector<models::AuditEntry> out;
    for (const auto& r : tx.exec_params(
             "SELECT " + kAuditColumns +
                 " FROM system.audit_log WHERE object_type = $1 AND object_id = $2 ORDER BY id",
             object_type, object_id)) {
      out.push_back(audit_from_row(r));
    }
    return out;
  });
}

}  // namespace usdcop::store
