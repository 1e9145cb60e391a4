#pragma once
// The replay buffer of one Server-Sent Events stream kind (spec 07: clients reconnect with
// Last-Event-ID and receive what they missed, kept at least 10 minutes). Events get increasing
// ids; events older than the window (and beyond a count bound) are dropped. Readers wait on it
// with a timeout (the heartbeat interval), so a stream thread never blocks for long; close()
// ends every stream of the ring (a finished backtest job, the server stopping).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace usdcop::server {

struct StreamEvent {
  std::int64_t id = 0;
  std::string event;  // the SSE event name
  std::string data;   // one line of JSON
  std::chrono::steady_clock::time_point at{};
};

class EventRing {
 public:
  // Ids start after `last_id` (the signals stream starts at the wall clock's microseconds, so
  // ids keep increasing across server restarts).
  EventRing(std::chrono::seconds keep, std::size_t max_events, std::int64_t last_id = 0);

  // Appends an event (ignored once closed); returns its id.
  std::int64_t publish(std::string event, std::string data);
  void close();

  struct Batch {
    std::vector<StreamEvent> events;  // ids > after, oldest first
    bool closed = false;              // and nothing after these will come
  };
  // The events after `after`, waiting up to `timeout` while there are none.
  Batch next(std::int64_t after, std::chrono::milliseconds timeout);

  std::int64_t last_id() const;
  bool closed() const;

 private:
  void trim();  // caller holds mutex_

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<StreamEvent> events_;
  std::chrono::seconds keep_;
  std::size_t max_events_;
  std::int64_t last_id_;
  bool closed_ = false;
};

}  // namespace usdcop::server
