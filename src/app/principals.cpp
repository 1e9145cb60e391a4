#include "app/principals.hpp"

#include "app/services.hpp"

namespace usdcop::app {

namespace {
const identity::Identity& admin(Services& services, const Caller& caller,
                                const std::string& action) {
  require_role(services, caller.identity, models::Role::admin, action);
  return caller.identity;
}
}  // namespace

store::PrincipalRecord add_principal(Services& services, const PrincipalAddition& request) {
  const auto& who = admin(services, request.caller, "principal add");
  return services.principals().add(request.name, request.role, who);
}

std::vector<store::PrincipalRecord> list_principals(Services& services) {
  return services.principals().list();
}

store::PrincipalRecord disable_principal(Services& services, const Caller& caller,
                                         const std::string& name) {
  return services.principals().disable(name, admin(services, caller, "principal disable"));
}

store::IssuedToken bootstrap_admin_token(Services& services, const store::TokenRequest& request) {
  return services.principals().bootstrap(request);
}

store::IssuedToken create_token(Services& services, const Caller& caller,
                                const store::TokenRequest& request) {
  return services.principals().create_token(request, admin(services, caller, "token create"));
}

std::vector<store::TokenRecord> list_tokens(Services& services, const Caller& caller) {
  admin(services, caller, "token list");
  return services.principals().list_tokens();
}

store::TokenRecord revoke_token(Services& services, const Caller& caller, long token_id) {
  return services.principals().revoke(token_id, admin(services, caller, "token revoke"));
}

int revoke_all_tokens(Services& services, const Caller& caller) {
  return services.principals().revoke_all(admin(services, caller, "token revoke all"));
}

}  // namespace usdcop::app
