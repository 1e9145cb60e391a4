#include "fstore/storage_breaker.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace usdcop::fstore {

StorageBreaker::StorageBreaker(const Clock& clock, StorageBreakerOptions options)
    : clock_(clock), options_(options) {}

void StorageBreaker::prune_locked(Timestamp now) const {
  while (!calls_.empty() && now - calls_.front().first > options_.window) calls_.pop_front();
}

void StorageBreaker::before_call() {
  std::lock_guard lock(mu_);
  if (!open_) return;
  const Timestamp now = clock_.now();
  if (now >= open_until_) {
    open_ = false;
    calls_.clear();
    return;
  }
  throw Error(ErrorKind::unavailable,
              "feature storage circuit open until " + format_rfc3339(open_until_) + ": more than " +
                  std::to_string(static_cast<int>(options_.max_error_rate * 100)) +
                  " % of storage calls failed in the last minute");
}

void StorageBreaker::record(bool ok) {
  std::lock_guard lock(mu_);
  const Timestamp now = clock_.now();
  calls_.emplace_back(now, ok);
  prune_locked(now);
  const auto n = static_cast<long>(calls_.size());
  const auto failed =
      std::count_if(calls_.begin(), calls_.end(), [](auto& c) { return !c.second; });
  if (!open_ && n >= options_.min_calls &&
      static_cast<double>(failed) / static_cast<double>(n) > options_.max_error_rate) {
    open_ = true;
    open_until_ = now + options_.open_for;
  }
}

bool StorageBreaker::is_open() const {
  std::lock_guard lock(mu_);
  return open_ && clock_.now() < open_until_;
}

double StorageBreaker::error_rate() const {
  std::lock_guard lock(mu_);
  prune_locked(clock_.now());
  if (calls_.empty()) return 0;
  const auto failed =
      std::count_if(calls_.begin(), calls_.end(), [](auto& c) { return !c.second; });
  return static_cast<double>(failed) / static_cast<double>(calls_.size());
}

}  // namespace usdcop::fstore
