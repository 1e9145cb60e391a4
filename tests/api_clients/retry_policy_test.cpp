// RetryPolicy: backoff 1 s, 2 s, 4 s with jitter, Retry-After, what is retried. Attempts go
// through the real libcurl transport to a local server; the sleep only records the delays.
#include <gtest/gtest.h>

#include "adapters/http/retry_policy.hpp"
#include "fake_provider.hpp"
#include "test_helpers.hpp"

namespace usdcop::adapters {
namespace {

using std::chrono::milliseconds;
using testing::FakeProvider;
using testing::RecordedSleeps;
using testing::Reply;

Reply status_reply(int status, std::map<std::string, std::string> headers = {}) {
  return Reply{status, "{}", "application/json", std::move(headers), {}};
}

class RetryPolicyTest : public ::testing::Test {
 protected:
  // One HTTP GET of `path` per attempt, classified the generic way.
  std::function<AttemptOutcome(int)> get(const std::string& path) {
    return [this, path](int) {
      HttpRequest req;
      req.url = server.base_url() + path;
      return RetryPolicy::classify(transport.get(req));
    };
  }

  FakeProvider server;
  CurlTransport transport;
  RecordedSleeps sleeps;
};

TEST_F(RetryPolicyTest, BackoffIsOneTwoFourSecondsWithinJitterBounds) {
  server.script("/s", {status_reply(500), status_reply(502), status_reply(503), status_reply(200)});
  RetryPolicy policy({}, sleeps.fn(), 42);
  const RetryReport report = policy.run(get("/s"));
  EXPECT_TRUE(report.succeeded());
  EXPECT_EQ(report.attempts, 4);
  EXPECT_EQ(server.hits("/s"), 4);
  const auto d = sleeps.millis();
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(report.delays.size(), 3u);
  // 1 s, 2 s, 4 s, each within +/- 20 %.
  EXPECT_GE(d[0], 800);
  EXPECT_LE(d[0], 1200);
  EXPECT_GE(d[1], 1600);
  EXPECT_LE(d[1], 2400);
  EXPECT_GE(d[2], 3200);
  EXPECT_LE(d[2], 4800);
}

TEST_F(RetryPolicyTest, ServerErrorsUntilRetriesAreExhausted) {
  server.route("/down", [](const FakeProvider::Params&) { return status_reply(500); });
  RetryPolicy policy({}, sleeps.fn(), 1);
  const RetryReport report = policy.run(get("/down"));
  EXPECT_FALSE(report.succeeded());
  EXPECT_EQ(report.last.status, AttemptStatus::retryable);
  EXPECT_EQ(report.attempts, 4);  // the first request and 3 retries
  EXPECT_EQ(server.hits("/down"), 4);
  EXPECT_EQ(sleeps.millis().size(), 3u);
  EXPECT_EQ(report.describe(), "after 4 attempts: HTTP 500");
}

TEST_F(RetryPolicyTest, JitterIsDeterministicWhenSeeded) {
  RetryPolicy a({}, sleeps.fn(), 7), b({}, sleeps.fn(), 7), c({}, sleeps.fn(), 8);
  std::vector<long> da, db, dc;
  for (int i = 0; i < 3; ++i) {
    da.push_back(a.backoff(i).count());
    db.push_back(b.backoff(i).count());
    dc.push_back(c.backoff(i).count());
  }
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
}

TEST_F(RetryPolicyTest, ZeroJitterGivesExactDelaysAndBaseDelayIsConfigurable) {
  RetryOptions exact;
  exact.jitter = 0;
  RetryPolicy p(exact, sleeps.fn(), 1);
  EXPECT_EQ(p.backoff(0), milliseconds(1000));
  EXPECT_EQ(p.backoff(1), milliseconds(2000));
  EXPECT_EQ(p.backoff(2), milliseconds(4000));

  RetryOptions fast;
  fast.base_delay = milliseconds(10);
  fast.jitter = 0;
  RetryPolicy q(fast, sleeps.fn(), 1);
  server.route("/down", [](const FakeProvider::Params&) { return status_reply(503); });
  q.run(get("/down"));
  EXPECT_EQ(sleeps.millis(), (std::vector<long>{10, 20, 40}));
}

TEST_F(RetryPolicyTest, RetryAfterOn429IsHonoured) {
  server.script("/rl", {status_reply(429, {{"Retry-After", "7"}}), status_reply(200)});
  RetryPolicy policy({}, sleeps.fn(), 3);
  const RetryReport report = policy.run(get("/rl"));
  EXPECT_TRUE(report.succeeded());
  EXPECT_EQ(report.attempts, 2);
  EXPECT_EQ(sleeps.millis(), (std::vector<long>{7000}));  // exactly, no jitter
}

TEST_F(RetryPolicyTest, TooLongRetryAfterGivesUpInsteadOfWaiting) {
  server.route("/rl", [](const FakeProvider::Params&) {
    return status_reply(429, {{"Retry-After", "3600"}});
  });
  RetryPolicy policy({}, sleeps.fn(), 3);
  const RetryReport report = policy.run(get("/rl"));
  EXPECT_FALSE(report.succeeded());
  EXPECT_TRUE(report.retry_after_too_long);
  EXPECT_EQ(report.attempts, 1);
  EXPECT_TRUE(sleeps.millis().empty());
  EXPECT_NE(report.describe().find("Retry-After 3600 s"), std::string::npos);
}

TEST_F(RetryPolicyTest, OtherClientErrorsAreNotRetried) {
  for (int status : {400, 401, 403, 404, 422}) {
    const std::string path = "/e" + std::to_string(status);
    server.route(path, [status](const FakeProvider::Params&) { return status_reply(status); });
    RetryPolicy policy({}, sleeps.fn(), 3);
    const RetryReport report = policy.run(get(path));
    EXPECT_EQ(report.last.status, AttemptStatus::fatal) << status;
    EXPECT_EQ(report.attempts, 1) << status;
    EXPECT_EQ(server.hits(path), 1) << status;
  }
  EXPECT_TRUE(sleeps.millis().empty());
}

TEST_F(RetryPolicyTest, TransportErrorsAreRetried) {
  const int port = FakeProvider::closed_port();
  RetryPolicy policy({}, sleeps.fn(), 3);
  const RetryReport report = policy.run([&](int) {
    HttpRequest req;
    req.url = "http://127.0.0.1:" + std::to_string(port) + "/";
    return RetryPolicy::classify(transport.get(req));
  });
  EXPECT_FALSE(report.succeeded());
  EXPECT_EQ(report.attempts, 4);
  EXPECT_NE(report.last.what.find("transport error (connect)"), std::string::npos);
}

TEST(RetryClassification, StatusClasses) {
  EXPECT_EQ(RetryPolicy::classify_status(200), AttemptStatus::success);
  EXPECT_EQ(RetryPolicy::classify_status(429), AttemptStatus::retryable);
  EXPECT_EQ(RetryPolicy::classify_status(500), AttemptStatus::retryable);
  EXPECT_EQ(RetryPolicy::classify_status(504), AttemptStatus::retryable);
  EXPECT_EQ(RetryPolicy::classify_status(404), AttemptStatus::fatal);
  EXPECT_EQ(RetryPolicy::classify_status(401), AttemptStatus::fatal);
}

}  // namespace
}  // namespace usdcop::adapters
