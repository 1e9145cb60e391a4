#include "server/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace usdcop::server {

namespace {
constexpr std::size_t kPruneAbove = 100'000;  // keys; full buckets carry no information
}

RateLimiter::Bucket& RateLimiter::refill(const std::string& key, int per_minute,
                                         Clock::time_point now) {
  const double capacity = std::max(1, per_minute);
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{capacity, now});
  auto& b = it->second;
  if (!inserted && now > b.at) {
    const double seconds = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(capacity, b.tokens + seconds * capacity / 60.0);
    b.at = now;
  }
  return b;
}

RateLimiter::Decision RateLimiter::take(const std::string& key, int per_minute,
                                        Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (buckets_.size() > kPruneAbove) forget_full_buckets(now);
  auto& b = refill(key, per_minute, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  const double per_second = std::max(1, per_minute) / 60.0;
  return {false, std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / per_second)))};
}

RateLimiter::Decision RateLimiter::peek(const std::string& key, int per_minute,
                                        Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto& b = refill(key, per_minute, now);
  if (b.tokens >= 1.0) return {};
  const double per_second = std::max(1, per_minute) / 60.0;
  return {false, std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / per_second)))};
}

void RateLimiter::forget_full_buckets(Clock::time_point now) {
  // A bucket idle for a minute is full again: dropping it changes nothing.
  std::erase_if(buckets_,
                [&](const auto& kv) { return now - kv.second.at > std::chrono::minutes(1); });
}

}  // namespace usdcop::server
