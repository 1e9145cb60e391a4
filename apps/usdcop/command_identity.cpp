#include "command_identity.hpp"

#include "cli_services.hpp"
#include "core/error.hpp"

namespace usdcop::cli {

void add_token_option(CLI::App& command, std::string& file) {
  command.add_option("--token-file", file,
                     "File holding your API token (default: the USDCOP_TOKEN variable)");
}

identity::Identity authenticate_token(const std::string& token_file, const std::string& action) {
  auto& s = services();
  std::string secret;
  try {
    secret = identity::read_token(token_file);
  } catch (const Error& e) {
    app::record_anonymous_denial(s, action, e.what());
    throw;
  }
  return app::authenticate(s, secret);
}

app::Caller command_caller(const std::string& token_file, const std::string& action) {
  return app::Caller{authenticate_token(token_file, action), app::new_request_id("cli")};
}

identity::Identity authenticate_command(const std::string& token_file, models::Role needed,
                                        const std::string& action) {
  const auto who = authenticate_token(token_file, action);
  app::require_role(services(), who, needed, action);
  return who;
}

store::Actor authenticated_actor(const std::string& token_file, models::Role needed,
                                 const std::string& action) {
  app::Caller caller{authenticate_command(token_file, needed, action), app::new_request_id("cli")};
  return app::actor_of(caller);
}

}  // namespace usdcop::cli
