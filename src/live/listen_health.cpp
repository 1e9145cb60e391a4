#include "live/listen_health.hpp"

#include <algorithm>

namespace usdcop::live {

const char* breaker_state_name(BreakerState s) {
  switch (s) {
    case BreakerState::closed:
      return "closed";
    case BreakerState::half_open:
      return "half-open";
    case BreakerState::open:
      break;
  }
  return "open";
}

ListenHealth::ListenHealth(ListenHealthOptions options, TimePoint now)
    : options_(options), last_sent_(now - options.heartbeat_interval) {
  options_.failure_threshold = std::max(1, options_.failure_threshold);
  options_.close_after = std::max(1, options_.close_after);
  options_.missed_after = std::max(1, options_.missed_after);
}

void ListenHealth::failed(TimePoint) {
  ++failures_;
  successes_ = 0;
  probe_in_flight_ = false;
  if (state_ == BreakerState::half_open || failures_ >= options_.failure_threshold)
    state_ = BreakerState::open;
}

void ListenHealth::session_opened() {
  probe_in_flight_ = false;
  unanswered_since_.reset();  // heartbeats sent while no session listened were lost, not late
  successes_ = 0;
  if (state_ != BreakerState::closed) state_ = BreakerState::half_open;
}

void ListenHealth::heartbeat_received(TimePoint) {
  unanswered_since_.reset();
  heartbeat_ok_ = true;
  probe_in_flight_ = false;
  // A heartbeat came back: the session delivers. An open breaker (a late heartbeat) is as
  // good as half-open with this one success.
  if (state_ == BreakerState::open) state_ = BreakerState::half_open;
  if (state_ == BreakerState::half_open && ++successes_ < options_.close_after) return;
  state_ = BreakerState::closed;
  failures_ = 0;
  successes_ = 0;
}

bool ListenHealth::heartbeat_due(TimePoint now) const {
  if (state_ == BreakerState::half_open) return !probe_in_flight_;
  return now - last_sent_ >= options_.heartbeat_interval;
}

void ListenHealth::heartbeat_sent(TimePoint now) {
  last_sent_ = now;
  if (!unanswered_since_) unanswered_since_ = now;
  if (state_ == BreakerState::half_open) probe_in_flight_ = true;
}

bool ListenHealth::check_missed(TimePoint now) {
  if (!unanswered_since_ ||
      now - *unanswered_since_ < options_.heartbeat_interval * options_.missed_after)
    return false;
  unanswered_since_.reset();  // the next miss counts from the next heartbeat sent
  heartbeat_ok_ = false;
  failed(now);
  return true;
}

}  // namespace usdcop::live
