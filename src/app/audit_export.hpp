#pragma once
// The append-only audit log (spec 05): rows of a time range, and the hash-chain verification.
#include <vector>

#include "core/time.hpp"
#include "models/audit_entry.hpp"
#include "store/audit_chain.hpp"
#include "store/pg_audit_log.hpp"
#include "store/pg_risk_events.hpp"

namespace usdcop::app {

class Services;

struct AuditExportRequest {
  Timestamp from{};  // inclusive
  Timestamp to{};    // exclusive; Error(invalid_input, field "to") unless after `from`
};
// Oldest first.
std::vector<models::AuditEntry> export_audit(Services& services, const AuditExportRequest& request);

// Rows matching a query (actor, action or prefix, range, limit, order): the API's /audit and
// operations history.
std::vector<models::AuditEntry> query_audit(Services& services, const store::AuditQuery& query);

// The risk events (spec 12) of live trading and backtests matching a query.
std::vector<store::RiskEventRecord> list_risk_events(Services& services,
                                                     const store::RiskEventQuery& query);

// Recomputes the chain in one snapshot; names the first broken row.
store::ChainVerification verify_audit(Services& services);

}  // namespace usdcop::app
