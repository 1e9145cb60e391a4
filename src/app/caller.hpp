#pragma once
// Who asks for a use case (spec 07, 12): the principal a door authenticated from a token (the
// CLI from --token-file or USDCOP_TOKEN, the HTTP server from the Authorization header), never
// a name typed by the caller, and the correlation id the door gave the request.
#include <functional>
#include <string>

#include "identity/token.hpp"
#include "models/model.hpp"

namespace usdcop::store {
struct Actor;
}

namespace usdcop::app {

class Services;

struct Caller {
  identity::Identity identity;
  std::string request_id;  // written to every audit row of the operation
};

// A fresh correlation id: door + "-" + 16 hex digits ("cli-3fa9…", "api-…").
std::string new_request_id(const std::string& door);

// The identity of a token secret: Error(invalid_input) (audited `auth.denied`) when unknown,
// revoked, expired or its principal is disabled.
identity::Identity authenticate(Services& services, const std::string& secret);
// Audits a refusal before any principal is known (no token, an unreadable token file).
void record_anonymous_denial(Services& services, const std::string& action, const std::string& why);
// Error(conflict) naming `action` and the role needed when the caller has less (audited).
void require_role(Services& services, const identity::Identity& who, models::Role needed,
                  const std::string& action);

// Error(conflict) naming `action` and the scope needed when the caller's token lacks `scope`
// (audited). oracle.admin grants every oracle.* scope (spec 12, docs/FEATURE_STORE.md).
void require_scope(Services& services, const identity::Identity& who, const std::string& scope,
                   const std::string& action);

// Runs a governance action for `actor`; when the rules refuse it (Error invalid_input,
// not_found, conflict or integrity: four-eyes, a decided request, a bad reason, a hash), the
// refusal is audited as `command.refused` (actor, attempted action, reason) and rethrown.
void audit_refusals(Services& services, const std::string& actor, const std::string& action,
                    const std::function<void()>& run);

// The caller as the actor of audit rows.
store::Actor actor_of(const Caller& caller);

}  // namespace usdcop::app
