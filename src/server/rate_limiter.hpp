#pragma once
// Per-key request budgets (spec 07, 12): a token bucket per key holding at most `per_minute`
// requests, refilled continuously at per_minute / 60 a second. The API keys tokens by id and
// failed authentications by client address. Thread-safe; the time is passed in so tests need
// no clock.
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace usdcop::server {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  struct Decision {
    bool allowed = true;
    int retry_after_seconds = 0;  // when refused: until one request fits again (>= 1)
  };

  // Takes one request from `key`'s bucket.
  Decision take(const std::string& key, int per_minute, Clock::time_point now = Clock::now());
  // Whether `key` has a request left, without taking one.
  Decision peek(const std::string& key, int per_minute, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point at;
  };
  Bucket& refill(const std::string& key, int per_minute, Clock::time_point now);
  void forget_full_buckets(Clock::time_point now);

  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace usdcop::server
