#pragma once
// Authentication and authorization of API requests (spec 07, 12). Tokens are resolved by the
// same use case as the CLI's (app::authenticate over store::PgPrincipals: sha256 lookup,
// revoked/expired/disabled refused at once, refusals audited); roles by app::require_role.
// Budgets: each token has N requests a minute (its own limit, else the server's default), and
// a client address that keeps failing authentication is refused before any lookup, so tokens
// cannot be guessed at speed.
#include <httplib.h>

#include <string>

#include "app/services.hpp"
#include "identity/token.hpp"
#include "models/model.hpp"
#include "server/api_config.hpp"
#include "server/rate_limiter.hpp"

namespace usdcop::server {

class Gatekeeper {
 public:
  Gatekeeper(app::Services& services, const ApiConfig& config);

  // The identity of the request's bearer token. Throws HttpError 401 (no, malformed, unknown,
  // revoked or expired token) or 429 (address over its failure budget, token over its budget).
  identity::Identity authenticate(const httplib::Request& req, const std::string& action);
  // Throws HttpError 403 (audited `auth.denied`) when `who` has less than `needed`.
  void require_role(const identity::Identity& who, models::Role needed, const std::string& action);
  // Throws HttpError 403 (audited `auth.denied`, details.needed_scope) when the token of `who`
  // lacks `scope` (oracle.admin grants every oracle.* scope).
  void require_scope(const identity::Identity& who, const std::string& scope,
                     const std::string& action);

 private:
  [[noreturn]] void refuse(const std::string& address, const std::string& action,
                           const std::string& why, bool audit);

  app::Services& services_;
  RateLimiter token_budget_, failure_budget_;
  int default_per_minute_, failures_per_minute_;
};

}  // namespace usdcop::server
