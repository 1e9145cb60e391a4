#pragma once
// The token bootstrap of `usdcop up` (spec 12): on a database where no enabled admin holds a
// valid token, the first admin principal and its token; elsewhere nothing (the admins already
// have theirs, and a secret is shown only once).
#include <optional>
#include <string>

#include "store/pg_principals.hpp"

namespace usdcop::app {

class Services;

// The issued token (its secret shown once) when the database had no valid admin token; nullopt
// when it has one. Error(conflict) when `principal` exists and is not an admin.
std::optional<store::IssuedToken> bootstrap_first_admin(Services& services,
                                                        const std::string& principal);

}  // namespace usdcop::app
