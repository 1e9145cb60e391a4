#pragma once
// The feature-store and liquidity API tests (spec 10): the real server and test database of
// ApiTest, the seed catalog applied through the use case, and tokens with oracle.* scopes.
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "api_fixture.hpp"
#include "app/feature_store.hpp"
#include "support/test_tokens.hpp"

namespace usdcop::testing {

inline void owner_exec(TestDatabase& db, const std::string& sql) {
  pqxx::connection conn(db.owner_url());
  pqxx::work tx(conn);
  tx.exec(sql);
  tx.commit();
}

// A token for `name` (role) holding exactly `scopes`.
inline std::string scoped_token(TestDatabase& db, const std::string& name, const std::string& role,
                                const std::vector<std::string>& scopes) {
  const auto secret = make_token(db, name, role);
  std::string array;
  for (const auto& s : scopes) array += (array.empty() ? "" : ",") + s;
  owner_exec(db, "UPDATE system.api_tokens SET scopes = '{" + array +
                     "}' WHERE principal_id = (SELECT id FROM system.principals WHERE name = '" +
                     name + "')");
  return secret;
}

class OracleApiTest : public ApiTest {
 protected:
  explicit OracleApiTest(server::ApiConfig config = {}) : ApiTest(std::move(config)) {
    reader = scoped_token(db, "rita", "viewer", {"oracle.reader"});
    publisher = scoped_token(db, "paul", "operator", {"oracle.publisher"});
    oracle_admin = scoped_token(db, "oona", "admin", {"oracle.admin"});
    app::FeatureStore(*services).apply_catalog_file(fstore::default_catalog_path());
  }
  std::string reader, publisher, oracle_admin;
};

}  // namespace usdcop::testing
