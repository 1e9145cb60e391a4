#pragma once
// Who may act (spec 07, 12): principals and their API tokens. Every change needs an admin
// caller, except the bootstrap of the first admin (only while no valid admin token exists).
// A token's secret is returned once in IssuedToken and never stored.
#include <string>
#include <vector>

#include "app/caller.hpp"
#include "store/pg_principals.hpp"

namespace usdcop::app {

class Services;

struct PrincipalAddition {
  Caller caller;
  std::string name;  // as typed: NFKC-casefolded, one script
  models::Role role = models::Role::viewer;
};
store::PrincipalRecord add_principal(Services& services, const PrincipalAddition& request);
std::vector<store::PrincipalRecord> list_principals(Services& services);
// Disables the principal and revokes its tokens.
store::PrincipalRecord disable_principal(Services& services, const Caller& caller,
                                         const std::string& name);

// The first admin and its token: Error(conflict) once a valid admin token exists.
store::IssuedToken bootstrap_admin_token(Services& services, const store::TokenRequest& request);
store::IssuedToken create_token(Services& services, const Caller& caller,
                                const store::TokenRequest& request);
// Every token (never its secret).
std::vector<store::TokenRecord> list_tokens(Services& services, const Caller& caller);
store::TokenRecord revoke_token(Services& services, const Caller& caller, long token_id);
// Every token (an emergency: then bootstrap again); returns how many were revoked.
int revoke_all_tokens(Services& services, const Caller& caller);

}  // namespace usdcop::app
