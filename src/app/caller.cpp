#include "app/caller.hpp"

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <random>
#include <sstream>

#include "app/services.hpp"
#include "core/error.hpp"
#include "store/pg_model_registry.hpp"
#include "store/pg_principals.hpp"

namespace usdcop::app {

std::string new_request_id(const std::string& door) {
  std::random_device rd;
  std::mt19937_64 gen(
      (static_cast<uint64_t>(rd()) << 32) ^ rd() ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::ostringstream os;
  os << door << "-" << std::hex << std::setw(16) << std::setfill('0') << gen();
  return os.str();
}

identity::Identity authenticate(Services& services, const std::string& secret) {
  return services.principals().authenticate(secret);
}

void record_anonymous_denial(Services& services, const std::string& action,
                             const std::string& why) {
  services.principals().record_denied("anonymous", action, why);
}

void require_role(Services& services, const identity::Identity& who, models::Role needed,
                  const std::string& action) {
  services.principals().require_role(who, needed, action);
}

void require_scope(Services& services, const identity::Identity& who, const std::string& scope,
                   const std::string& action) {
  const auto has = [&](const std::string& s) {
    return std::find(who.scopes.begin(), who.scopes.end(), s) != who.scopes.end();
  };
  if (has(scope) || (scope.rfind("oracle.", 0) == 0 && has("oracle.admin"))) return;
  std::string held;
  for (const auto& s : who.scopes) held += (held.empty() ? "" : ", ") + s;
  const std::string why = action + " needs scope " + scope + "; the token of '" + who.principal +
                          "' has " + (held.empty() ? std::string("none") : held);
  services.principals().record_denied(who.principal, action, why);
  throw Error(ErrorKind::conflict, why, "scope");
}

void audit_refusals(Services& services, const std::string& actor, const std::string& action,
                    const std::function<void()>& run) {
  try {
    run();
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::unavailable || e.kind() == ErrorKind::internal) throw;
    try {
      services.principals().record_denied(actor, action, e.what(), "command.refused");
    } catch (const std::exception&) {
      // The refusal itself is what the caller must see.
    }
    throw;
  }
}

store::Actor actor_of(const Caller& caller) {
  return store::Actor{caller.identity.principal, models::to_string(caller.identity.role),
                      caller.request_id};
}

}  // namespace usdcop::app
