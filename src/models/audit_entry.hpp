#pragma once
// One row of system.audit_log (spec 05): who, in which role, did what to which object, from
// which state to which, why, with the details. Written in the same transaction as the change.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace usdcop::models {

struct AuditEntry {
  long id = 0;
  Timestamp at{};
  std::string actor, role, action, object_type, object_id, from_state, to_state, reason;
  nlohmann::json details = nlohmann::json::object();
  std::string request_id;  // correlates the rows of one command or API request
};
nlohmann::json to_json(const AuditEntry& e);

inline constexpr const char* kAuditCsvHeader =
    "id,at,actor,role,action,object_type,object_id,from_state,to_state,reason,details,request_id";
// One CSV line (RFC 4180 quoting; details as compact JSON), without the newline.
std::string to_csv_line(const AuditEntry& e);

}  // namespace usdcop::models
