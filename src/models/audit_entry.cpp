#include "models/audit_entry.hpp"

#include "core/text_hygiene.hpp"

namespace usdcop::models {

namespace {
nlohmann::json text_or_null(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}
}  // namespace

nlohmann::json to_json(const AuditEntry& e) {
  return {{"id", e.id},
          {"at", format_rfc3339(e.at)},
          {"actor", e.actor},
          {"role", text_or_null(e.role)},
          {"action", e.action},
          {"object_type", text_or_null(e.object_type)},
          {"object_id", text_or_null(e.object_id)},
          {"from_state", text_or_null(e.from_state)},
          {"to_state", text_or_null(e.to_state)},
          {"reason", text_or_null(e.reason)},
          {"details", e.details},
          {"request_id", text_or_null(e.request_id)}};
}

std::string to_csv_line(const AuditEntry& e) {
  std::string line = std::to_string(e.id);
  for (const std::string& f :
       {format_rfc3339(e.at), e.actor, e.role, e.action, e.object_type, e.object_id, e.from_state,
        e.to_state, e.reason, e.details.dump(), e.request_id}) {
    line += ',';
    line += csv_field(spreadsheet_safe(f));
  }
  return line;
}

}  // namespace usdcop::models
