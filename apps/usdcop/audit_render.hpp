#pragma once
// Renderings of the audit results: the exported rows (CSV or JSON) and the chain verification.
#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "app/audit_export.hpp"

namespace usdcop::cli {

void render_csv(std::ostream& out, const std::vector<models::AuditEntry>& rows);
nlohmann::json render_json(const std::vector<models::AuditEntry>& rows);

void render_text(std::ostream& out, const store::ChainVerification& v);
nlohmann::json render_json(const store::ChainVerification& v);

}  // namespace usdcop::cli
