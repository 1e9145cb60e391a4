#pragma once
// Reading system.audit_log (append-only; rows are written by the repositories in the same
// transaction as the change they record, see pg_registry_rows.hpp append_audit).
#include <string>
#include <vector>

#include "models/audit_entry.hpp"
#include "store/audit_chain.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

// A filtered read (the API's GET /audit and GET /operations/history): from <= at < to, an
// exact actor, an action or an action prefix ("operations." matches every operations action).
struct AuditQuery {
  Timestamp from{}, to{};
  std::string actor;
  std::string action;         // exact; empty: any
  std::string action_prefix;  // empty: any
  long limit = 1000;
  bool newest_first = false;
};

class PgAuditLog {
 public:
  explicit PgAuditLog(ConnectionPool& pool) : pool_(pool) {}

  // Rows with from <= at < to, oldest first.
  std::vector<models::AuditEntry> range(Timestamp from, Timestamp to);
  std::vector<models::AuditEntry> query(const AuditQuery& q);
  std::vector<models::AuditEntry> for_object(const std::string& object_type,
                                             const std::string& object_id);
  // Recomputes the hash chain (store/audit_chain.hpp) in one snapshot.
  ChainVerification verify();

 private:
  ConnectionPool& pool_;
};

}  // namespace usdcop::store
