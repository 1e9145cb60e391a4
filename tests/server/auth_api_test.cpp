// Authentication and authorization (spec 07, 12): no mutating call without a token, roles,
// revoked tokens refused at once, per-token and per-address rate limits, audit of refusals.
#include <pqxx/pqxx>

#include "api_fixture.hpp"
#include "support/test_tokens.hpp"

using usdcop::testing::ApiTest;

namespace {

class AuthApi : public ApiTest {};

usdcop::server::ApiConfig tight_limits() {
  usdcop::server::ApiConfig c;
  c.rate_limit_per_minute = 5;
  c.failed_auth_per_minute = 4;
  return c;
}

class RateLimitedApi : public ApiTest {
 protected:
  RateLimitedApi() : ApiTest(tight_limits()) {}
};

void owner_sql(usdcop::testing::TestDatabase& db, const std::string& sql) {
  pqxx::connection conn(db.owner_url());
  pqxx::work tx(conn);
  tx.exec(sql);
  tx.commit();
}

}  // namespace

TEST_F(AuthApi, NoMutatingCallWithoutAValidToken) {
  const nlohmann::json kill = {{"reason", "drill without a token"}};
  for (const std::string& token :
       {std::string(), std::string("usdcop_") + std::string(64, 'a'), std::string("not-a-token")}) {
    const auto r = post("/api/v1/operations/kill-switch", token, kill);
    EXPECT_EQ(r.status, 401) << token;
    EXPECT_EQ(r.json["error"]["code"], "unauthorized");
    EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer");
  }
  EXPECT_EQ(post("/api/v1/models/rollback", "", nlohmann::json{{"reason", "xxxxxxxxxxxx"}}).status,
            401);
  EXPECT_EQ(get("/api/v1/operations/status", "").status, 401);
  EXPECT_EQ(text("SELECT mode FROM trading.operations_state"), "NORMAL");
  EXPECT_GE(count("SELECT count(*) FROM system.audit_log WHERE action = 'auth.denied'"), 3);
}

TEST_F(AuthApi, ViewerCannotKillOperatorCannotRollBack) {
  const auto kill =
      post("/api/v1/operations/kill-switch", viewer, nlohmann::json{{"reason", "viewer tries"}});
  EXPECT_EQ(kill.status, 403);
  EXPECT_EQ(kill.json["error"]["code"], "forbidden");
  EXPECT_EQ(kill.json["error"]["details"]["needed"], "operator");
  EXPECT_EQ(text("SELECT mode FROM trading.operations_state"), "NORMAL");
  const auto rb = post("/api/v1/models/rollback", operator_,
                       nlohmann::json{{"reason", "operator tries a rollback"}});
  EXPECT_EQ(rb.status, 403);
  EXPECT_EQ(count("SELECT count(*) FROM system.audit_log WHERE action = 'auth.denied' AND actor "
                  "IN ('vera', 'olga')"),
            2);
}

TEST_F(AuthApi, RevokedTokenIsRefusedAtOnce) {
  EXPECT_EQ(get("/api/v1/me", operator_).status, 200);
  owner_sql(db,
            "UPDATE system.api_tokens SET revoked_at = now() WHERE principal_id = (SELECT id "
            "FROM system.principals WHERE name = 'olga')");
  const auto r = get("/api/v1/me", operator_);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.json["error"]["message"].get<std::string>().find("revoked"), std::string::npos);
}

TEST_F(RateLimitedApi, TokenOverItsBudgetGets429WithRetryAfter) {
  for (int i = 0; i < 5; ++i) ASSERT_EQ(get("/api/v1/me", viewer).status, 200) << i;
  const auto r = get("/api/v1/me", viewer);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.json["error"]["code"], "rate_limited");
  EXPECT_GE(std::stoi(r.header("Retry-After")), 1);
  EXPECT_EQ(get("/api/v1/me", admin).status, 200) << "other tokens keep their budget";
}

TEST_F(RateLimitedApi, TokenWithARaisedLimit) {
  owner_sql(db,
            "UPDATE system.api_tokens SET rate_limit_per_minute = 100 WHERE principal_id = "
            "(SELECT id FROM system.principals WHERE name = 'vera')");
  for (int i = 0; i < 20; ++i) ASSERT_EQ(get("/api/v1/me", viewer).status, 200) << i;
  EXPECT_EQ(get("/api/v1/me", viewer).json["rate_limit_per_minute"], 100);
}

TEST_F(RateLimitedApi, BruteForceOfTokensIsLimitedPerAddress) {
  for (int i = 0; i < 4; ++i) {
    const std::string guess = "usdcop_" + std::string(63, 'a') + std::to_string(i);
    ASSERT_EQ(get("/api/v1/me", guess).status, 401) << i;
  }
  const long denied = count("SELECT count(*) FROM system.audit_log WHERE action = 'auth.denied'");
  // The address is now refused before any lookup, even with a valid token.
  for (int i = 0; i < 20; ++i) {
    const auto r = get("/api/v1/me", "usdcop_" + std::string(64, 'b'));
    ASSERT_EQ(r.status, 429) << i;
    EXPECT_FALSE(r.header("Retry-After").empty());
  }
  EXPECT_EQ(get("/api/v1/me", viewer).status, 429);
  EXPECT_EQ(count("SELECT count(*) FROM system.audit_log WHERE action = 'auth.denied'"), denied)
      << "refused guesses are not even looked up";
}
