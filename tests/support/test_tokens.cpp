#include "support/test_tokens.hpp"

#include <pqxx/pqxx>

#include "identity/token.hpp"

namespace usdcop::testing {

std::string make_token(TestDatabase& db, const std::string& name, const std::string& role) {
  const auto token = identity::generate_token();
  auto conn = db.pool().acquire();
  pqxx::work tx(*conn);
  tx.exec_params(
      "INSERT INTO system.principals (name, role, created_by) VALUES ($1, $2, 'test') ON "
      "CONFLICT (name) DO NOTHING",
      name, role);
  tx.exec_params(
      "INSERT INTO system.api_tokens (principal_id, name, token_sha256, expires_at) SELECT id, "
      "'test', $2, now() + interval '1 day' FROM system.principals WHERE name = $1",
      name, token.sha256);
  tx.commit();
  return token.secret;
}

std::string token_env(const std::string& secret) {
  return "USDCOP_TOKEN=" + secret;
}

}  // namespace usdcop::testing
