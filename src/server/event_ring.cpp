#include "server/event_ring.hpp"

#include <algorithm>

namespace usdcop::server {

EventRing::EventRing(std::chrono::seconds keep, std::size_t max_events, std::int64_t last_id)
    : keep_(keep), max_events_(std::max<std::size_t>(max_events, 1)), last_id_(last_id) {}

std::int64_t EventRing::publish(std::string event, std::string data) {
  std::int64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return last_id_;
    id = ++last_id_;
    events_.push_back({id, std::move(event), std::move(data), std::chrono::steady_clock::now()});
    trim();
  }
  changed_.notify_all();
  return id;
}

void EventRing::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

void EventRing::trim() {
  const auto oldest = std::chrono::steady_clock::now() - keep_;
  while (!events_.empty() && (events_.size() > max_events_ || events_.front().at < oldest))
    events_.pop_front();
}

EventRing::Batch EventRing::next(std::int64_t after, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return closed_ || last_id_ > after; });
  Batch b;
  for (const auto& e : events_)
    if (e.id > after) b.events.push_back(e);
  b.closed = closed_;
  return b;
}

std::int64_t EventRing::last_id() const {
  std::lock_guard lock(mutex_);
  return last_id_;
}

bool EventRing::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

}  // namespace usdcop::server
