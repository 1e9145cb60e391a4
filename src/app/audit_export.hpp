#pragma once
// The append-only audit log (spec 05): rows of a time range, and the hash-chain verification.
#include <vector>

#include "core/time.hpp"
#include "models/audit_entry.hpp"
#include "store/audit_chain.hpp"

namespace usdcop::app {

class Services;

struct AuditExportRequest {
  Timestamp from{};  // inclusive
  Timestamp to{};    // exclusive; Error(invalid_input, field "to") unless after `from`
};
// Oldest first.
std::vector<models::AuditEntry> export_audit(Services& services, const AuditExportRequest& request);

// Recomputes the chain in one snapshot; names the first broken row.
store::ChainVerification verify_audit(Services& services);

}  // namespace usdcop::app
