#include "command_identity.hpp"

#include "app_database.hpp"
#include "core/error.hpp"
#include "models_cli.hpp"
#include "store/pg_principals.hpp"

namespace usdcop::cli {

void add_token_option(CLI::App& command, std::string& file) {
  command.add_option("--token-file", file,
                     "File holding your API token (default: the USDCOP_TOKEN variable)");
}

identity::Identity authenticate_command(const std::string& token_file, models::Role needed,
                                        const std::string& action) {
  store::PgPrincipals principals(open_app_database().pool());
  std::string secret;
  try {
    secret = identity::read_token(token_file);
  } catch (const Error& e) {
    principals.record_denied("anonymous", action, e.what());
    throw;
  }
  const auto who = principals.authenticate(secret);
  principals.require_role(who, needed, action);
  return who;
}

void audit_refusals(const std::string& actor, const std::string& action,
                    const std::function<void()>& run) {
  try {
    run();
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::unavailable || e.kind() == ErrorKind::internal) throw;
    try {
      store::PgPrincipals(open_app_database().pool())
          .record_denied(actor, action, e.what(), "command.refused");
    } catch (const std::exception&) {
      // The refusal itself is what the caller must see.
    }
    throw;
  }
}

store::Actor authenticated_actor(const std::string& token_file, models::Role needed,
                                 const std::string& action) {
  const auto who = authenticate_command(token_file, needed, action);
  return store::Actor{who.principal, models::to_string(who.role), new_request_id()};
}

}  // namespace usdcop::cli
