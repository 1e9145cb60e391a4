// FredClient through the real libcurl transport against a local server serving recorded FRED
// responses.
#include <gtest/gtest.h>

#include <cstdlib>

#include "adapters/market_data/fred_client.hpp"
#include "core/error.hpp"
#include "fake_provider.hpp"
#include "test_helpers.hpp"

namespace usdcop::adapters {
namespace {

using testing::FakeProvider;
using testing::recorded_reply;
using testing::Reply;

constexpr const char* kKey = "abcdef0123456789abcdef0123456789";
constexpr const char* kPath = "/fred/series/observations";

Date day(const char* text) {
  return parse_date(text).value();
}

class FredTest : public ::testing::Test {
 protected:
  FredClient client(FredOptions o) {
    ApiClientDeps deps;
    deps.transport = std::make_shared<CurlTransport>();
    deps.retry.emplace(RetryOptions{}, sleeps.fn(), 42);
    deps.breaker = std::make_shared<CircuitBreaker>("fred", CircuitBreakerOptions{}, clock);
    deps.log = [this](const std::string& line) { log.push_back(line); };
    return FredClient(std::move(o), std::move(deps));
  }
  FredClient client() { return client(options()); }
  FredOptions options() {
    FredOptions o;
    o.base_url = server.base_url() + "/fred";
    o.api_key = kKey;
    return o;
  }
  Error fetch_error(FredClient& c, const std::string& series) {
    try {
      c.fetch(series, day("2024-01-01"), day("2024-01-19"));
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "fetch did not throw";
    return Error(ErrorKind::internal, "no error");
  }

  FakeProvider server;
  testing::RecordedSleeps sleeps;
  SimulatedClock clock{testing::clock_start()};
  std::vector<std::string> log;
};

TEST_F(FredTest, ObservationsAreReadAndDotsSkipped) {
  server.script(kPath, {recorded_reply("fred_series_observations_DGS10.json")});
  auto c = client();
  const FredSeries s = c.fetch("DGS10", day("2024-01-01"), day("2024-01-19"));
  EXPECT_EQ(s.series_id, "DGS10");
  EXPECT_EQ(s.missing, 2);  // 2024-01-01 and 2024-01-15 are "."
  EXPECT_TRUE(s.invalid.empty());
  ASSERT_EQ(s.observations.size(), 13u);
  EXPECT_EQ(s.observations.front().date, "2024-01-02");
  EXPECT_EQ(s.observations.front().value, "3.95");
  EXPECT_DOUBLE_EQ(s.observations.front().number, 3.95);
  EXPECT_NE(s.observations.front().raw.find("\"date\":\"2024-01-02\""), std::string::npos);
  EXPECT_EQ(s.observations.back().date, "2024-01-19");
  for (const auto& o : s.observations) EXPECT_NE(o.value, ".");

  const auto reqs = server.requests(kPath);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(testing::param(reqs[0], "series_id"), "DGS10");
  EXPECT_EQ(testing::param(reqs[0], "observation_start"), "2024-01-01");
  EXPECT_EQ(testing::param(reqs[0], "observation_end"), "2024-01-19");
  EXPECT_EQ(testing::param(reqs[0], "file_type"), "json");
  EXPECT_EQ(testing::param(reqs[0], "api_key"), kKey);
}

TEST_F(FredTest, InvalidValuesAreReported) {
  server.script(kPath, {recorded_reply("fred_series_observations_DGS2_invalid.json")});
  auto c = client();
  const FredSeries s = c.fetch("DGS2", day("2024-01-02"), day("2024-01-05"));
  EXPECT_EQ(s.observations.size(), 3u);
  ASSERT_EQ(s.invalid.size(), 1u);
  EXPECT_EQ(s.invalid[0].observation.date, "2024-01-03");
  EXPECT_EQ(s.invalid[0].observation.value, "n/a");
  EXPECT_EQ(s.invalid[0].reason, "value 'n/a' is not a number");
  EXPECT_EQ(s.missing, 0);
}

TEST_F(FredTest, PagesByOffsetUntilCount) {
  server.route(kPath, [](const FakeProvider::Params& p) {
    return recorded_reply(testing::param(p, "offset") == "0"
                              ? "fred_series_observations_UNRATE_page1.json"
                              : "fred_series_observations_UNRATE_page2.json");
  });
  auto o = options();
  o.limit = 2;
  auto c = client(o);
  const FredSeries s = c.fetch("UNRATE", day("2023-01-01"), day("2023-04-30"));
  ASSERT_EQ(s.observations.size(), 4u);
  EXPECT_EQ(s.observations[2].date, "2023-03-01");
  EXPECT_EQ(s.requests, 2);
  const auto reqs = server.requests(kPath);
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(testing::param(reqs[1], "offset"), "2");
  EXPECT_EQ(testing::param(reqs[1], "limit"), "2");
}

TEST_F(FredTest, ErrorPayloadIsRefusedWithoutRetry) {
  server.script(kPath, {recorded_reply("fred_error_bad_series.json", 400)});
  auto c = client();
  const Error e = fetch_error(c, "NOSUCH");
  EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  EXPECT_NE(std::string(e.what()).find("fred NOSUCH"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("The series does not exist"), std::string::npos) << e.what();
  EXPECT_EQ(server.hits(kPath), 1);
}

TEST_F(FredTest, RateLimitHonoursRetryAfter) {
  Reply limited = recorded_reply("fred_error_rate_limit.json", 429);
  limited.headers["Retry-After"] = "20";
  server.script(kPath, {limited, recorded_reply("fred_series_observations_DGS10.json")});
  auto c = client();
  EXPECT_EQ(c.fetch("DGS10", day("2024-01-01"), day("2024-01-19")).observations.size(), 13u);
  EXPECT_EQ(sleeps.millis(), (std::vector<long>{20000}));
}

TEST_F(FredTest, ServerErrorsExhaustRetries) {
  server.route(kPath, [](const FakeProvider::Params&) {
    return Reply{500, "Internal Server Error", "text/plain", {}, {}};
  });
  auto c = client();
  const Error e = fetch_error(c, "DGS10");
  EXPECT_EQ(e.kind(), ErrorKind::unavailable);
  EXPECT_NE(std::string(e.what()).find("gave up after 4 attempts: HTTP 500"), std::string::npos)
      << e.what();
  EXPECT_EQ(server.hits(kPath), 4);
}

TEST_F(FredTest, MalformedBodiesAreClearErrors) {
  server.script(kPath, {recorded_reply("gateway_error.html"),
                        recorded_reply("fred_missing_observations.json")});
  auto c = client();
  const Error html = fetch_error(c, "DGS10");
  EXPECT_EQ(html.kind(), ErrorKind::unavailable);
  EXPECT_NE(std::string(html.what()).find("fred DGS10"), std::string::npos) << html.what();
  EXPECT_NE(std::string(html.what()).find("body is not JSON"), std::string::npos) << html.what();
  const Error missing = fetch_error(c, "DGS10");
  EXPECT_NE(std::string(missing.what()).find("no 'observations'"), std::string::npos)
      << missing.what();
}

TEST_F(FredTest, ApiKeyNeverAppearsInErrorsOrLogs) {
  server.script(
      kPath,
      {Reply{
          400,
          std::string(
              R"({"error_code":400,"error_message":"Bad Request.  The value for variable api_key )") +
              kKey + R"( is not registered."})",
          "application/json",
          {},
          {}}});
  auto c = client();
  const std::string refused = fetch_error(c, "DGS10").what();
  EXPECT_EQ(refused.find(kKey), std::string::npos) << refused;
  EXPECT_NE(refused.find("is not registered"), std::string::npos) << refused;

  auto o = options();
  o.base_url = "http://127.0.0.1:" + std::to_string(FakeProvider::closed_port());
  auto down = client(o);
  const std::string unreachable = fetch_error(down, "DGS10").what();
  EXPECT_EQ(unreachable.find(kKey), std::string::npos) << unreachable;
  ASSERT_FALSE(log.empty());
  for (const auto& l : log) EXPECT_EQ(l.find(kKey), std::string::npos) << l;
  EXPECT_NE(log.front().find("api_key=***"), std::string::npos) << log.front();
}

TEST(FredOptionsTest, KeyAndBaseUrlFromEnvironment) {
  ::unsetenv("FRED_API_KEY");
  ::unsetenv("FRED_BASE_URL");
  try {
    FredOptions::from_env();
    FAIL() << "no error without a key";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("FRED_API_KEY"), std::string::npos);
  }
  ::setenv("FRED_API_KEY", "k", 1);
  EXPECT_EQ(FredOptions::from_env().base_url, "https://api.stlouisfed.org/fred");
  ::setenv("FRED_BASE_URL", "http://127.0.0.1:1/fred", 1);
  EXPECT_EQ(FredOptions::from_env().base_url, "http://127.0.0.1:1/fred");
  ::unsetenv("FRED_API_KEY");
  ::unsetenv("FRED_BASE_URL");
}

}  // namespace
}  // namespace usdcop::adapters
