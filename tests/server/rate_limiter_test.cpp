// The per-key token bucket behind the API's rate limits (time injected: no clock in tests).
#include <gtest/gtest.h>

#include "server/rate_limiter.hpp"

using usdcop::server::RateLimiter;
using namespace std::chrono_literals;

TEST(RateLimiter, AllowsTheBudgetThenRefusesWithRetryAfter) {
  RateLimiter limiter;
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  for (int i = 0; i < 60; ++i) EXPECT_TRUE(limiter.take("token:1", 60, t0).allowed) << i;
  const auto refused = limiter.take("token:1", 60, t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);  // 60 a minute: one a second
  EXPECT_TRUE(limiter.take("token:2", 60, t0).allowed) << "keys have separate budgets";
}

TEST(RateLimiter, RefillsContinuously) {
  RateLimiter limiter;
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(limiter.take("a", 6, t0).allowed);
  const auto refused = limiter.take("a", 6, t0);
  ASSERT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 10);  // 6 a minute: one every 10 s
  EXPECT_FALSE(limiter.take("a", 6, t0 + 9s).allowed);
  EXPECT_TRUE(limiter.take("a", 6, t0 + 10s + 1ms).allowed);
  // A full minute refills everything, never more than the budget.
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(limiter.take("a", 6, t0 + 5min).allowed) << i;
  EXPECT_FALSE(limiter.take("a", 6, t0 + 5min).allowed);
}

TEST(RateLimiter, PeekDoesNotSpend) {
  RateLimiter limiter;
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.peek("b", 1, t0).allowed);
  EXPECT_TRUE(limiter.take("b", 1, t0).allowed);
  EXPECT_FALSE(limiter.peek("b", 1, t0).allowed);
  EXPECT_EQ(limiter.peek("b", 1, t0).retry_after_seconds, 60);
}
