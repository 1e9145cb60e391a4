#pragma once
// The source of GET /signals/stream: a LISTEN session (store::PgListener, its own connection)
// on `new_signal` (each production or shadow decision the live engine commits, sent in its
// decision transaction), `new_fill` and `equity_snapshot` (its fills and per-bar equity, same
// transaction) and `operations_mode` (kill, pause, resume), turned into `signal`, `fill`,
// `equity` and `mode` events of one EventRing. The payload is the event's data (canonical JSON, the
// codec's fields: docs/EVENTS.md). A background thread waits on the listener; the session
// reconnects with back-off when lost (notifications sent while it was down are not in the stream;
// the decisions themselves are in trading.model_inferences: docs/API.md).
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "server/event_ring.hpp"

namespace usdcop::store {
class PgListener;
}

namespace usdcop::server {

class SignalFeed {
 public:
  // LISTENs before returning when the database answers (so that a decision committed after the
  // server started is streamed), else keeps trying in the background.
  SignalFeed(const std::string& database_url, std::chrono::seconds keep);
  ~SignalFeed();
  SignalFeed(const SignalFeed&) = delete;
  SignalFeed& operator=(const SignalFeed&) = delete;

  std::shared_ptr<EventRing> ring() { return ring_; }
  // Ends the thread and every open stream (the ring closes).
  void stop();

 private:
  void run();

  std::shared_ptr<EventRing> ring_;
  std::unique_ptr<store::PgListener> listener_;
  std::atomic<bool> running_{true};
  std::thread thread_;
};

}  // namespace usdcop::server
