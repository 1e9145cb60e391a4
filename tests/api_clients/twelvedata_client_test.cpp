// TwelveDataClient through the real libcurl transport against a local server serving recorded
// TwelveData responses.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "adapters/market_data/twelvedata_client.hpp"
#include "core/error.hpp"
#include "fake_provider.hpp"
#include "test_helpers.hpp"

namespace usdcop::adapters {
namespace {

using testing::FakeProvider;
using testing::recorded;
using testing::recorded_reply;
using testing::Reply;

constexpr const char* kKey = "TDKEY-s3cr3t-0123456789";
constexpr const char* kPath = "/time_series";

Timestamp at(const char* text) {
  return parse_timestamp(text).value();
}

class TwelveDataTest : public ::testing::Test {
 protected:
  TwelveDataClient client(TwelveDataOptions o) {
    ApiClientDeps deps;
    deps.transport = std::make_shared<CurlTransport>();
    deps.retry.emplace(RetryOptions{}, sleeps.fn(), 42);
    deps.breaker = breaker;
    deps.log = [this](const std::string& line) { log.push_back(line); };
    return TwelveDataClient(std::move(o), std::move(deps));
  }
  TwelveDataClient client() { return client(options()); }
  TwelveDataOptions options() {
    TwelveDataOptions o;
    o.base_url = server.base_url();
    o.api_key = kKey;
    o.window = std::chrono::hours(24);
    return o;
  }
  // The error a fetch throws (fails the test when it does not throw).
  Error fetch_error(TwelveDataClient& c, const char* from = "2024-01-02T00:00:00Z",
                    const char* to = "2024-01-03T00:00:00Z") {
    try {
      c.fetch(at(from), at(to));
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "fetch did not throw";
    return Error(ErrorKind::internal, "no error");
  }

  FakeProvider server;
  testing::RecordedSleeps sleeps;
  SimulatedClock clock{testing::clock_start()};
  std::shared_ptr<CircuitBreaker> breaker =
      std::make_shared<CircuitBreaker>("twelvedata", CircuitBreakerOptions{}, clock);
  std::vector<std::string> log;
};

// Serves the recorded page whose name matches the window's start date.
FakeProvider::Route recorded_pages() {
  return [](const FakeProvider::Params& p) {
    const std::string day = testing::param(p, "start_date").substr(0, 10);
    return recorded_reply("twelvedata_time_series_" + day + ".json");
  };
}

TEST_F(TwelveDataTest, PagedSeriesIsConcatenatedDedupedAndConvertedToUtc) {
  server.route(kPath, recorded_pages());
  auto c = client();
  const TwelveDataFetch f = c.fetch(at("2024-01-02T00:00:00Z"), at("2024-01-04T00:00:00Z"));

  EXPECT_EQ(f.windows, 2);
  EXPECT_EQ(f.requests, 2);
  EXPECT_EQ(f.duplicates, 1);     // 2024-01-03 00:00 is in both windows
  EXPECT_EQ(f.outside_range, 1);  // 2024-01-04 00:00 is past --to
  ASSERT_EQ(f.records.size(), 8u);
  const TextBar& first = f.records.front();
  EXPECT_EQ(first.line, 1);
  EXPECT_EQ(first.time, "2024-01-02T13:00:00Z");
  EXPECT_EQ(first.open, "3880.50000");
  EXPECT_EQ(first.high, "3884.20000");
  EXPECT_EQ(first.low, "3879.10000");
  EXPECT_EQ(first.close, "3883.00000");
  EXPECT_EQ(first.volume, "");  // FX series carry no volume: the importer stores 0
  EXPECT_EQ(nlohmann::json::parse(first.raw)["datetime"], "2024-01-02 13:00:00");
  EXPECT_EQ(f.records[4].time, "2024-01-03T00:00:00Z");
  EXPECT_EQ(f.records[5].time, "2024-01-03T13:00:00Z");
  EXPECT_EQ(f.records[5].volume, "0");
  EXPECT_EQ(f.records.back().line, 8);
  EXPECT_EQ(f.records.back().time, "2024-01-03T13:10:00Z");
  for (const auto& r : f.records) EXPECT_TRUE(parse_timestamp(r.time).has_value()) << r.time;

  // The documented request parameters, decoded by the server.
  const auto reqs = server.requests(kPath);
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(testing::param(reqs[0], "symbol"), "USD/COP");
  EXPECT_EQ(testing::param(reqs[0], "interval"), "5min");
  EXPECT_EQ(testing::param(reqs[0], "timezone"), "UTC");
  EXPECT_EQ(testing::param(reqs[0], "outputsize"), "5000");
  EXPECT_EQ(testing::param(reqs[0], "order"), "ASC");
  EXPECT_EQ(testing::param(reqs[0], "apikey"), kKey);
  EXPECT_EQ(testing::param(reqs[0], "start_date"), "2024-01-02 00:00:00");
  EXPECT_EQ(testing::param(reqs[0], "end_date"), "2024-01-03 00:00:00");
  EXPECT_EQ(testing::param(reqs[1], "start_date"), "2024-01-03 00:00:00");
  EXPECT_EQ(testing::param(reqs[1], "end_date"), "2024-01-04 00:00:00");
  EXPECT_TRUE(sleeps.millis().empty());
}

TEST_F(TwelveDataTest, FullPageIsSplitUntilEachWindowFits) {
  // A server that generates every 5-min bar in [start_date, end_date) but returns at most
  // outputsize of them, as TwelveData does.
  server.route(kPath, [](const FakeProvider::Params& p) {
    const auto parse = [](std::string s) { return parse_timestamp(s + "+00:00").value(); };
    const Timestamp s = parse(testing::param(p, "start_date"));
    const Timestamp e = parse(testing::param(p, "end_date"));
    const long limit = std::stol(testing::param(p, "outputsize"));
    nlohmann::json values = nlohmann::json::array();
    for (Timestamp t = s; t < e && static_cast<long>(values.size()) < limit; t += kBarLength) {
      std::string dt = format_rfc3339(t);
      dt[10] = ' ';
      dt.resize(19);
      values.push_back({{"datetime", dt},
                        {"open", "3900"},
                        {"high", "3901"},
                        {"low", "3899"},
                        {"close", "3900.5"}});
    }
    return Reply{200,
                 nlohmann::json{{"values", values}, {"status", "ok"}}.dump(),
                 "application/json",
                 {},
                 {}};
  });
  auto o = options();
  o.outputsize = 6;
  o.window = std::chrono::hours(1);
  auto c = client(o);
  const auto f = c.fetch(at("2024-01-02T13:00:00Z"), at("2024-01-02T14:00:00Z"));
  ASSERT_EQ(f.records.size(), 12u);
  for (size_t i = 0; i < f.records.size(); ++i) {
    EXPECT_EQ(parse_timestamp(f.records[i].time).value(),
              at("2024-01-02T13:00:00Z") + static_cast<int>(i) * kBarLength);
  }
  EXPECT_GT(f.windows, 1);
  EXPECT_EQ(f.duplicates, 0);
}

TEST_F(TwelveDataTest, NonNumericValuesArePassedThroughAsText) {
  server.script(kPath, {recorded_reply("twelvedata_bad_value.json")});
  auto c = client();
  const auto f = c.fetch(at("2024-01-02T00:00:00Z"), at("2024-01-03T00:00:00Z"));
  ASSERT_EQ(f.records.size(), 4u);
  EXPECT_EQ(f.records[1].high, "3,886.75");  // the importer rejects it with a reason
  EXPECT_NE(f.records[1].raw.find("3,886.75"), std::string::npos);
  EXPECT_EQ(f.records[2].close, "");  // missing close: empty, rejected by the importer
  EXPECT_EQ(f.records[3].time, "2024-01-02T13:15");  // unexpected form: unchanged
}

TEST_F(TwelveDataTest, ErrorPayloadWithHttp200IsNotRetriedAndNamesTheProblem) {
  server.script(kPath, {recorded_reply("twelvedata_error_apikey.json", 200)});
  auto c = client();
  const Error e = fetch_error(c);
  EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  const std::string msg = e.what();
  EXPECT_NE(msg.find("twelvedata"), std::string::npos) << msg;
  EXPECT_NE(msg.find("code 401"), std::string::npos) << msg;
  EXPECT_NE(msg.find("apikey** parameter is incorrect"), std::string::npos) << msg;
  EXPECT_EQ(server.hits(kPath), 1);
  EXPECT_EQ(breaker->state(), CircuitBreaker::State::closed);
}

TEST_F(TwelveDataTest, RateLimitWithRetryAfterThenSuccess) {
  Reply limited = recorded_reply("twelvedata_error_rate_limit.json", 429);
  limited.headers["Retry-After"] = "3";
  server.script(kPath, {limited, recorded_reply("twelvedata_time_series_2024-01-02.json")});
  auto c = client();
  const auto f = c.fetch(at("2024-01-02T00:00:00Z"), at("2024-01-03T00:00:00Z"));
  EXPECT_EQ(f.records.size(), 4u);  // the 2024-01-03 00:00 bar is past --to
  EXPECT_EQ(f.requests, 2);
  EXPECT_EQ(server.hits(kPath), 2);
  EXPECT_EQ(sleeps.millis(), (std::vector<long>{3000}));
}

TEST_F(TwelveDataTest, PayloadCode429InHttp200IsRetriedWithBackoff) {
  server.script(kPath, {recorded_reply("twelvedata_error_rate_limit.json", 200),
                        recorded_reply("twelvedata_time_series_2024-01-02.json")});
  auto c = client();
  const auto f = c.fetch(at("2024-01-02T00:00:00Z"), at("2024-01-03T00:00:00Z"));
  EXPECT_EQ(f.records.size(), 4u);
  const auto d = sleeps.millis();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_GE(d[0], 800);
  EXPECT_LE(d[0], 1200);
}

TEST_F(TwelveDataTest, ServerErrorsUntilRetriesAreExhaustedIsUnavailable) {
  server.route(kPath, [](const FakeProvider::Params&) {
    return recorded_reply("twelvedata_error_server.json", 500);
  });
  auto c = client();
  const Error e = fetch_error(c);
  EXPECT_EQ(e.kind(), ErrorKind::unavailable);
  EXPECT_NE(std::string(e.what()).find("gave up after 4 attempts"), std::string::npos) << e.what();
  EXPECT_EQ(server.hits(kPath), 4);
  const auto d = sleeps.millis();
  ASSERT_EQ(d.size(), 3u);
  EXPECT_GE(d[0], 800);
  EXPECT_LE(d[0], 1200);
  EXPECT_GE(d[1], 1600);
  EXPECT_LE(d[1], 2400);
  EXPECT_GE(d[2], 3200);
  EXPECT_LE(d[2], 4800);
}

TEST_F(TwelveDataTest, NoDataWindowIsEmptyNotAnError) {
  server.script(kPath, {recorded_reply("twelvedata_error_no_data.json", 200)});
  auto c = client();
  const auto f = c.fetch(at("2024-01-06T00:00:00Z"), at("2024-01-07T00:00:00Z"));
  EXPECT_TRUE(f.records.empty());
  EXPECT_EQ(server.hits(kPath), 1);
}

TEST_F(TwelveDataTest, BodyThatIsNotJsonIsAClearError) {
  server.script(kPath, {recorded_reply("gateway_error.html", 200)});
  auto c = client();
  const Error e = fetch_error(c);
  EXPECT_EQ(e.kind(), ErrorKind::unavailable);
  const std::string msg = e.what();
  EXPECT_NE(msg.find("twelvedata"), std::string::npos) << msg;
  EXPECT_NE(msg.find("malformed response: body is not JSON"), std::string::npos) << msg;
  EXPECT_NE(msg.find("502 Bad Gateway"), std::string::npos) << msg;
  EXPECT_EQ(server.hits(kPath), 1);
}

TEST_F(TwelveDataTest, MissingValuesIsAClearError) {
  server.script(kPath, {recorded_reply("twelvedata_missing_values.json", 200)});
  auto c = client();
  const Error e = fetch_error(c);
  EXPECT_EQ(e.kind(), ErrorKind::unavailable);
  EXPECT_NE(std::string(e.what()).find("twelvedata"), std::string::npos);
  EXPECT_NE(std::string(e.what()).find("no 'values'"), std::string::npos) << e.what();
}

TEST_F(TwelveDataTest, ApiKeyNeverAppearsInErrorsOrLogs) {
  // A hostile server that echoes the key back in every kind of failure.
  const std::string echo_body =
      std::string(R"({"code":401,"message":"bad key )") + kKey + R"(","status":"error"})";
  server.script(kPath, {Reply{401, echo_body, "application/json", {}, {}}});
  auto c = client();
  std::vector<std::string> messages;
  messages.push_back(fetch_error(c).what());  // refused, key in the provider's message

  server.script(kPath, {Reply{200, std::string("<html>") + kKey + "</html>", "text/html", {}, {}}});
  messages.push_back(fetch_error(c).what());  // malformed, key in the body snippet

  server.route(kPath, [](const FakeProvider::Params&) {
    return Reply{
        500,
        std::string(R"({"code":500,"message":"down for )") + kKey + R"(","status":"error"})",
        "application/json",
        {},
        {}};
  });
  messages.push_back(fetch_error(c).what());  // retries exhausted

  auto o = options();
  o.base_url = "http://127.0.0.1:" + std::to_string(FakeProvider::closed_port());
  auto refused = client(o);
  messages.push_back(fetch_error(refused).what());  // transport error

  for (const auto& m : messages) {
    EXPECT_EQ(m.find(kKey), std::string::npos) << m;
    EXPECT_EQ(m.find("s3cr3t"), std::string::npos) << m;
  }
  ASSERT_FALSE(log.empty());
  for (const auto& l : log) {
    EXPECT_EQ(l.find(kKey), std::string::npos) << l;
  }
  EXPECT_NE(log.front().find("apikey=***"), std::string::npos) << log.front();
}

TEST_F(TwelveDataTest, CircuitBreakerOpensFailsFastAndRecovers) {
  bool healthy = false;
  server.route(kPath, [&healthy](const FakeProvider::Params& p) {
    if (!healthy) return recorded_reply("twelvedata_error_server.json", 503);
    return recorded_reply("twelvedata_time_series_" +
                          testing::param(p, "start_date").substr(0, 10) + ".json");
  });
  auto c = client();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(fetch_error(c).kind(), ErrorKind::unavailable);
  EXPECT_EQ(server.hits(kPath), 12);  // 3 fetches x 4 attempts
  EXPECT_EQ(breaker->state(), CircuitBreaker::State::open);

  // Open: fails fast, the server is not contacted.
  const Error open = fetch_error(c);
  EXPECT_EQ(open.kind(), ErrorKind::unavailable);
  EXPECT_NE(std::string(open.what()).find("twelvedata circuit open until 2024-01-02T13:05:00Z"),
            std::string::npos)
      << open.what();
  clock.advance(std::chrono::seconds(299));
  EXPECT_EQ(fetch_error(c).kind(), ErrorKind::unavailable);
  EXPECT_EQ(server.hits(kPath), 12);

  // 300 s after opening: half-open, one trial at a time; 2 successes close it.
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(breaker->state(), CircuitBreaker::State::half_open);
  healthy = true;
  const auto from = at("2024-01-02T00:00:00Z"), to = at("2024-01-03T00:00:00Z");
  EXPECT_EQ(c.fetch(from, to).records.size(), 4u);
  EXPECT_EQ(server.hits(kPath), 13);
  EXPECT_EQ(breaker->state(), CircuitBreaker::State::half_open);
  EXPECT_EQ(c.fetch(from, to).records.size(), 4u);
  EXPECT_EQ(breaker->state(), CircuitBreaker::State::closed);
  EXPECT_EQ(server.hits(kPath), 14);
}

TEST_F(TwelveDataTest, FailureInHalfOpenReopensTheBreaker) {
  server.route(kPath, [](const FakeProvider::Params&) {
    return recorded_reply("twelvedata_error_server.json", 500);
  });
  auto c = client();
  for (int i = 0; i < 3; ++i) fetch_error(c);
  clock.advance(std::chrono::seconds(300));
  const int before = server.hits(kPath);
  EXPECT_EQ(fetch_error(c).kind(), ErrorKind::unavailable);  // the trial (with its retries)
  EXPECT_EQ(server.hits(kPath), before + 4);
  EXPECT_EQ(breaker->state(), CircuitBreaker::State::open);
  EXPECT_NE(std::string(fetch_error(c).what()).find("circuit open until"), std::string::npos);
  EXPECT_EQ(server.hits(kPath), before + 4);
}

TEST_F(TwelveDataTest, DatetimeConversion) {
  EXPECT_EQ(TwelveDataClient::to_rfc3339_utc("2024-01-02 13:00:00"), "2024-01-02T13:00:00Z");
  EXPECT_EQ(TwelveDataClient::to_rfc3339_utc("2024-01-02"), "2024-01-02T00:00:00Z");
  EXPECT_EQ(TwelveDataClient::to_rfc3339_utc("2024-01-02 13:00"), "2024-01-02 13:00");
  EXPECT_EQ(TwelveDataClient::to_rfc3339_utc(""), "");
}

TEST(TwelveDataOptionsTest, KeyAndBaseUrlFromEnvironment) {
  ::unsetenv("TWELVEDATA_API_KEY");
  ::unsetenv("TWELVEDATA_BASE_URL");
  try {
    TwelveDataOptions::from_env();
    FAIL() << "no error without a key";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("TWELVEDATA_API_KEY"), std::string::npos);
  }
  ::setenv("TWELVEDATA_API_KEY", "k", 1);
  EXPECT_EQ(TwelveDataOptions::from_env().base_url, "https://api.twelvedata.com");
  ::setenv("TWELVEDATA_BASE_URL", "http://127.0.0.1:1", 1);
  const auto o = TwelveDataOptions::from_env();
  EXPECT_EQ(o.base_url, "http://127.0.0.1:1");
  EXPECT_EQ(o.api_key, "k");
  EXPECT_EQ(o.symbol, "USD/COP");
  EXPECT_EQ(o.interval, "5min");
  EXPECT_EQ(o.outputsize, 5000);
  ::unsetenv("TWELVEDATA_API_KEY");
  ::unsetenv("TWELVEDATA_BASE_URL");
}

}  // namespace
}  // namespace usdcop::adapters
