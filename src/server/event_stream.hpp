#pragma once
// Serving a Server-Sent Events stream (spec 07) from an EventRing on cpp-httplib: a chunked
// `text/event-stream` response whose content provider waits on the ring at most one heartbeat
// interval at a time, writes `id:`/`event:`/`data:` records, a `: heartbeat` comment when
// nothing happened, and ends when the ring closes or the client goes away. Each open stream
// holds a slot; beyond the cap a new stream is refused with 503 before anything is written.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "server/event_ring.hpp"

namespace usdcop::server {

// The cap on concurrent streams (ApiConfig::max_streams).
class StreamSlots {
 public:
  explicit StreamSlots(int cap) : cap_(cap) {}
  class Slot {
   public:
    explicit Slot(StreamSlots& slots) : slots_(slots) {}
    ~Slot() { --slots_.open_; }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    StreamSlots& slots_;
  };
  // A slot, or HttpError 503 `too_many_streams` when `cap` streams are open.
  std::shared_ptr<Slot> acquire();
  int open() const { return open_; }

 private:
  int cap_;
  std::atomic<int> open_{0};
};

// The Last-Event-ID header (absent: nullopt); HttpError 400 naming `Last-Event-ID` when it
// is not a non-negative integer.
std::optional<std::int64_t> last_event_id(const httplib::Request& req);

// One SSE record: "id: N\nevent: NAME\ndata: JSON\n\n".
std::string format_event(const StreamEvent& e);

// Streams `ring` from after `after` (replay first) until it closes or the client leaves.
void send_event_stream(httplib::Response& res, std::shared_ptr<EventRing> ring, std::int64_t after,
                       std::shared_ptr<StreamSlots::Slot> slot,
                       std::chrono::milliseconds heartbeat);

}  // namespace usdcop::server
