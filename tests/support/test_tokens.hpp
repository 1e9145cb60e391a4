#pragma once
// Principals and API tokens for tests of governance commands (spec 12): written straight into
// the test database, returning the secret to pass as USDCOP_TOKEN or in a --token-file.
#include <string>

#include "support/test_database.hpp"

namespace usdcop::testing {

// A token for principal `name` (created with `role` when missing: viewer|operator|admin).
std::string make_token(TestDatabase& db, const std::string& name, const std::string& role);
// "USDCOP_TOKEN=<secret>" for run_usdcop's environment.
std::string token_env(const std::string& secret);

}  // namespace usdcop::testing
