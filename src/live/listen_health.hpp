#pragma once
// The health of the engine's LISTEN session (spec 06 "Delivery guarantees"): a circuit breaker
// and the heartbeat the engine sends itself. NOTIFY only wakes the engine, so while LISTEN is
// not known to work the engine polls the durable watermarks at a short interval instead of
// waiting for its tick; the breaker says when that is.
//
//   closed    LISTEN works: the engine waits for notifications (and its tick).
//   open      after `failure_threshold` consecutive failures (session lost, a connection
//             attempt refused, a heartbeat missed): the engine polls. The listener retries the
//             session with its own back-off.
//   half-open a new session is open: the engine sends heartbeats one after the other; after
//             `close_after` of its own heartbeats came back on that session it closes. A
//             failure meanwhile opens it again.
//
// A heartbeat is missed when one of the engine's own was sent `missed_after` intervals ago and
// none arrived since;
// the engine then also drops the session (a silent session is reconnected, spec 06).
// Pure state on the steady clock (time passed in): the engine loop feeds it.
#include <chrono>
#include <optional>

namespace usdcop::live {

struct ListenHealthOptions {
  int failure_threshold = 1;  // consecutive failures that open the breaker
  int close_after = 2;        // own heartbeats received on a new session that close it
  std::chrono::milliseconds heartbeat_interval{60'000};
  int missed_after = 2;  // intervals without an own heartbeat before it counts as missed
};

// The spec 08 values of usdcop_circuit_breaker_state.
enum class BreakerState { closed = 0, half_open = 1, open = 2 };
const char* breaker_state_name(BreakerState s);

class ListenHealth {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  ListenHealth(ListenHealthOptions options, TimePoint now);

  // The session was lost, an attempt to open it failed, or LISTEN errored.
  void failed(TimePoint now);
  // A new LISTEN session is open (after a loss): half-open unless the breaker is closed.
  void session_opened();
  // One of this engine's own heartbeats arrived on the LISTEN session.
  void heartbeat_received(TimePoint now);
  // Whether to send a heartbeat now: every interval; while half-open at once, one at a time.
  bool heartbeat_due(TimePoint now) const;
  void heartbeat_sent(TimePoint now);
  // True once per miss (a heartbeat sent missed_after intervals ago, none received since); the
  // miss is a failure.
  bool check_missed(TimePoint now);

  BreakerState state() const { return state_; }
  bool heartbeat_ok() const { return heartbeat_ok_; }
  // LISTEN is not known to work: the engine polls.
  bool polling() const { return state_ != BreakerState::closed; }
  const ListenHealthOptions& options() const { return options_; }

 private:
  ListenHealthOptions options_;
  BreakerState state_ = BreakerState::closed;
  int failures_ = 0;   // consecutive
  int successes_ = 0;  // heartbeats received while half-open
  bool probe_in_flight_ = false;
  bool heartbeat_ok_ = true;
  TimePoint last_sent_;
  std::optional<TimePoint> unanswered_since_;  // the oldest heartbeat sent with none back since
};

}  // namespace usdcop::live
