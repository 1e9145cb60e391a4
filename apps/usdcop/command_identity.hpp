#pragma once
// Who runs a mutating governance or operations command (spec 07, 12): the principal of the
// token given by --token-file FILE or USDCOP_TOKEN, never a name typed on the command line.
// The role each action needs is checked by the use case (src/app), so the HTTP server, which
// authenticates its bearer token the same way, gets the same rules.
#include <CLI/CLI.hpp>

#include <string>

#include "app/caller.hpp"
#include "identity/token.hpp"
#include "models/model.hpp"
#include "store/pg_model_registry.hpp"

namespace usdcop::cli {

// Adds `--token-file FILE` to a command, storing into `file`.
void add_token_option(CLI::App& command, std::string& file);

// Authenticates the token: Error(invalid_input) (exit 2) for a missing, unknown, revoked or
// expired token, audited (`auth.denied`, naming `action`).
identity::Identity authenticate_token(const std::string& token_file, const std::string& action);

// The authenticated caller of a command, with a fresh "cli-" request id.
app::Caller command_caller(const std::string& token_file, const std::string& action);

// Authenticates and checks the role here (commands whose rules are not yet a use case):
// Error(conflict) (exit 5) when the role is too low, audited.
identity::Identity authenticate_command(const std::string& token_file, models::Role needed,
                                        const std::string& action);

// The same, as the actor of the command's audit rows (with a fresh "cli-" request id), for the
// live engine's commands (ops, dlq) whose store classes take a store::Actor.
store::Actor authenticated_actor(const std::string& token_file, models::Role needed,
                                 const std::string& action);

}  // namespace usdcop::cli
