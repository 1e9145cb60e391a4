#include "app/audit_export.hpp"

#include "app/services.hpp"
#include "core/error.hpp"
#include "store/pg_audit_log.hpp"

namespace usdcop::app {

std::vector<models::AuditEntry> export_audit(Services& services,
                                             const AuditExportRequest& request) {
  if (request.to <= request.from)
    throw Error(ErrorKind::invalid_input, "the end of the range must be after its start", "to");
  return services.audit_log().range(request.from, request.to);
}

std::vector<models::AuditEntry> query_audit(Services& services, const store::AuditQuery& query) {
  return services.audit_log().query(query);
}

std::vector<store::RiskEventRecord> list_risk_events(Services& services,
                                                     const store::RiskEventQuery& query) {
  return store::PgRiskEvents(services.pool()).list(query);
}

store::ChainVerification verify_audit(Services& services) {
  return services.audit_log().verify();
}

}  // namespace usdcop::app
