// /health, /ready, /metrics, /me, request ids, error bodies for unknown routes and huge
// bodies, CORS closed by default, loopback by default.
#include "api_fixture.hpp"
#include "server/api_config.hpp"

using usdcop::testing::ApiTest;

namespace {
class SystemApi : public ApiTest {};
}  // namespace

TEST_F(SystemApi, HealthAndReadyNeedNoToken) {
  const auto health = get("/health", "");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json["status"], "ok");
  EXPECT_FALSE(health.header("X-Request-Id").empty());
  const auto ready = get("/ready", "");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.json["checks"]["database"], "ok");
  EXPECT_EQ(ready.json["checks"]["migrations"], "ok");
}

TEST_F(SystemApi, MeNamesThePrincipalAndEchoesTheRequestId) {
  const auto me = get("/api/v1/me", operator_, {{"X-Request-Id", "client-42"}});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json["principal"], "olga");
  EXPECT_EQ(me.json["role"], "operator");
  EXPECT_EQ(me.json["rate_limit_per_minute"], 1000);
  EXPECT_EQ(me.json["request_id"], "client-42");
  EXPECT_EQ(me.header("X-Request-Id"), "client-42");
  // An id that is not safe to log is replaced by a generated one.
  const auto other = get("/api/v1/me", viewer, {{"X-Request-Id", "bad id\twith spaces"}});
  EXPECT_EQ(other.header("X-Request-Id").rfind("req-", 0), 0u) << other.header("X-Request-Id");
}

TEST_F(SystemApi, UnknownRouteAndHugeBodyGetJsonErrors) {
  const auto missing = get("/api/v1/nope", viewer);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json["error"]["code"], "route_not_found");
  EXPECT_FALSE(missing.header("X-Request-Id").empty());
  const std::string huge = R"({"reason":")" + std::string(2 << 20, 'x') + "\"}";
  const auto big = post("/api/v1/operations/pause", operator_, huge);
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.json["error"]["code"], "payload_too_large") << big.body;
  EXPECT_EQ(text("SELECT mode FROM trading.operations_state"), "NORMAL");
}

TEST_F(SystemApi, CorsIsClosedByDefault) {
  const auto r = get("/api/v1/me", viewer, {{"Origin", "https://evil.example"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "");
  auto preflight = client->Options(
      "/api/v1/operations/kill-switch",
      {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(preflight);
  EXPECT_NE(preflight->status, 204);
  EXPECT_FALSE(preflight->has_header("Access-Control-Allow-Origin"));
}

TEST_F(SystemApi, BindsToLoopbackUnlessTold) {
  EXPECT_EQ(usdcop::server::ApiConfig{}.host, "127.0.0.1");
  EXPECT_EQ(usdcop::server::ApiConfig{}.port, 8080);
  EXPECT_EQ(api->url().rfind("http://127.0.0.1:", 0), 0u);
}

TEST_F(SystemApi, MetricsCountRequestsByRouteTemplate) {
  get("/api/v1/me", viewer);
  get("/api/v1/models/some-model-that-does-not-exist", viewer);
  EXPECT_EQ(get("/metrics", "").status, 401);
  const auto m = get("/metrics", viewer);
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.header("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_NE(m.body.find(R"(http_requests_total{method="GET",route="/api/v1/me",status="200"})"),
            std::string::npos)
      << m.body.substr(0, 2000);
  EXPECT_NE(m.body.find(R"(route="/api/v1/models/{id}",status="404")"), std::string::npos);
  EXPECT_NE(m.body.find("http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_EQ(m.body.find("some-model-that-does-not-exist"), std::string::npos)
      << "raw paths never become labels";
}
