// CircuitBreaker state machine with an injected clock. (The same breaker guarding the real
// clients against a local server is tested in twelvedata_client_test.cpp.)
#include <gtest/gtest.h>

#include "adapters/http/circuit_breaker.hpp"
#include "core/error.hpp"
#include "test_helpers.hpp"

namespace usdcop::adapters {
namespace {

using State = CircuitBreaker::State;
using std::chrono::seconds;

class CircuitBreakerTest : public ::testing::Test {
 protected:
  SimulatedClock clock{testing::clock_start()};
  CircuitBreaker breaker{"twelvedata", {}, clock};

  void fail(int n) {
    for (int i = 0; i < n; ++i) {
      breaker.acquire();
      breaker.record_failure();
    }
  }
};

TEST_F(CircuitBreakerTest, OpensAfterThreeConsecutiveFailures) {
  fail(2);
  EXPECT_EQ(breaker.state(), State::closed);
  fail(1);
  EXPECT_EQ(breaker.state(), State::open);
  EXPECT_EQ(breaker.open_until(), clock.now() + seconds(300));
}

TEST_F(CircuitBreakerTest, SuccessResetsTheConsecutiveCount) {
  fail(2);
  breaker.acquire();
  breaker.record_success();
  fail(2);
  EXPECT_EQ(breaker.state(), State::closed);
}

TEST_F(CircuitBreakerTest, OpenFailsFastWithUnavailableNamingTheSourceAndTime) {
  fail(3);
  try {
    breaker.acquire();
    FAIL() << "acquire() passed an open breaker";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_NE(std::string(e.what()).find("twelvedata circuit open until 2024-01-02T13:05:00Z"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(breaker.try_acquire());
}

TEST_F(CircuitBreakerTest, HalfOpenAfterThreeHundredSecondsAllowsOneTrial) {
  fail(3);
  clock.advance(seconds(299));
  EXPECT_EQ(breaker.state(), State::open);
  clock.advance(seconds(1));
  EXPECT_EQ(breaker.state(), State::half_open);
  EXPECT_TRUE(breaker.try_acquire());
  EXPECT_FALSE(breaker.try_acquire());  // one trial at a time
  try {
    breaker.acquire();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_NE(std::string(e.what()).find("half-open"), std::string::npos);
  }
}

TEST_F(CircuitBreakerTest, TwoSuccessesInHalfOpenCloseIt) {
  fail(3);
  clock.advance(seconds(300));
  breaker.acquire();
  breaker.record_success();
  EXPECT_EQ(breaker.state(), State::half_open);
  breaker.acquire();
  breaker.record_success();
  EXPECT_EQ(breaker.state(), State::closed);
  fail(2);  // the count starts again from zero
  EXPECT_EQ(breaker.state(), State::closed);
}

TEST_F(CircuitBreakerTest, FailureInHalfOpenReopensIt) {
  fail(3);
  clock.advance(seconds(300));
  breaker.acquire();
  breaker.record_success();
  breaker.acquire();
  breaker.record_failure();
  EXPECT_EQ(breaker.state(), State::open);
  EXPECT_EQ(breaker.open_until(), clock.now() + seconds(300));
  clock.advance(seconds(300));
  EXPECT_EQ(breaker.state(), State::half_open);
}

TEST(CircuitBreakerRegistry, OneBreakerPerSource) {
  auto a = shared_circuit_breaker("twelvedata");
  auto b = shared_circuit_breaker("twelvedata");
  auto c = shared_circuit_breaker("fred");
  EXPECT_EQ(a.get(), b.get());
  EXPECT_NE(a.get(), c.get());
  EXPECT_EQ(c->source(), "fred");
  EXPECT_STREQ(to_string(State::half_open), "half-open");
}

}  // namespace
}  // namespace usdcop::adapters
