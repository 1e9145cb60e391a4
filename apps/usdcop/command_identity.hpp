#pragma once
// Who runs a mutating governance or operations command (spec 07, 12): the principal of the
// token given by --token-file FILE or USDCOP_TOKEN, never a name typed on the command line.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "identity/token.hpp"
#include "models/model.hpp"
#include "store/pg_model_registry.hpp"

namespace usdcop::cli {

// Adds `--token-file FILE` to a command, storing into `file`.
void add_token_option(CLI::App& command, std::string& file);

// Authenticates the token and checks the role: Error(invalid_input) (exit 2) for a missing,
// unknown, revoked or expired token, Error(conflict) (exit 5) when the role is too low. Both
// refusals are audited (`auth.denied`, naming `action`).
identity::Identity authenticate_command(const std::string& token_file, models::Role needed,
                                        const std::string& action);
// Runs an authenticated governance action; when the rules refuse it (Error invalid_input,
// not_found, conflict or integrity: four-eyes, a decided request, a bad reason, a hash), the
// refusal is audited as `command.refused` (actor, attempted command, reason) and rethrown.
void audit_refusals(const std::string& actor, const std::string& action,
                    const std::function<void()>& run);

// The same, as the actor of the command's audit rows (with a fresh request id).
store::Actor authenticated_actor(const std::string& token_file, models::Role needed,
                                 const std::string& action);

}  // namespace usdcop::cli
