#include "server/http_error.hpp"

namespace usdcop::server {

int http_status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input:
      return 400;
    case ErrorKind::not_found:
      return 404;
    case ErrorKind::conflict:
      return 409;
    case ErrorKind::integrity:
      return 422;  // a stored artifact or hash refused the request: a rule, not a bad body
    case ErrorKind::unavailable:
      return 503;
    case ErrorKind::internal:
      return 500;
  }
  return 500;
}

std::string error_code_for(ErrorKind kind) {
  return to_string(kind);
}

nlohmann::json error_body(const std::string& code, const std::string& message,
                          const std::string& field, const nlohmann::json& details,
                          const std::string& request_id) {
  nlohmann::json e = {{"code", code},
                      {"message", message},
                      {"details", details.is_object() ? details : nlohmann::json::object()},
                      {"request_id", request_id}};
  if (!field.empty()) e["field"] = field;
  return {{"error", e}};
}

}  // namespace usdcop::server
