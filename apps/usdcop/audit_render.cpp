#include "audit_render.hpp"

#include <string>

namespace usdcop::cli {

void render_csv(std::ostream& out, const std::vector<models::AuditEntry>& rows) {
  out << models::kAuditCsvHeader << "\n";
  for (const auto& e : rows) out << models::to_csv_line(e) << "\n";
}

nlohmann::json render_json(const std::vector<models::AuditEntry>& rows) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& e : rows) j.push_back(models::to_json(e));
  return j;
}

void render_text(std::ostream& out, const store::ChainVerification& v) {
  if (v.first_broken_id) {
    out << "BROKEN at audit row " << *v.first_broken_id << ": " << v.why << "\n"
        << v.verified << " rows before it verify\n";
    return;
  }
  out << "ok: " << v.verified << " chained rows verify"
      << (v.unchained ? " (" + std::to_string(v.unchained) + " older rows predate the chain)" : "")
      << "; head " << (v.head_hash.empty() ? "-" : v.head_hash) << "\n";
}

nlohmann::json render_json(const store::ChainVerification& v) {
  return {{"rows", v.rows},
          {"unchained", v.unchained},
          {"verified", v.verified},
          {"ok", !v.first_broken_id.has_value()},
          {"first_broken_id",
           v.first_broken_id ? nlohmann::json(*v.first_broken_id) : nlohmann::json(nullptr)},
          {"why", v.why},
          {"head_hash", v.head_hash}};
}

}  // namespace usdcop::cli
