#pragma once
// Error bodies and statuses of the HTTP API (spec 07):
//   {"error": {"code": "snake_case", "message": "...", "field": "...", "details": {...},
//              "request_id": "..."}}
// usdcop::Error kinds map to statuses (invalid_input 400, not_found 404, conflict 409,
// integrity 422, unavailable 503, internal 500); HttpError carries the refusals that only the
// HTTP door knows (401, 403, 413, 415, 429).
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "core/error.hpp"

namespace usdcop::server {

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string code, const std::string& message, std::string field = {},
            nlohmann::json details = nlohmann::json::object())
      : std::runtime_error(message),
        status_(status),
        code_(std::move(code)),
        field_(std::move(field)),
        details_(std::move(details)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::string& field() const { return field_; }
  const nlohmann::json& details() const { return details_; }
  int retry_after_seconds = 0;  // > 0: sent as Retry-After (429)

 private:
  int status_;
  std::string code_, field_;
  nlohmann::json details_;
};

int http_status_for(ErrorKind kind);
// The body's code for an Error of this kind ("invalid_input", "not_found", ...).
std::string error_code_for(ErrorKind kind);

nlohmann::json error_body(const std::string& code, const std::string& message,
                          const std::string& field, const nlohmann::json& details,
                          const std::string& request_id);

}  // namespace usdcop::server
