#include "server/event_stream.hpp"

#include <charconv>

#include "server/http_error.hpp"

namespace usdcop::server {

std::shared_ptr<StreamSlots::Slot> StreamSlots::acquire() {
  if (++open_ > cap_) {
    --open_;
    throw HttpError(503, "too_many_streams",
                    "at most " + std::to_string(cap_) +
                        " event streams may be open at once; close one or retry later",
                    "", {{"max_streams", cap_}});
  }
  return std::make_shared<Slot>(*this);
}

std::optional<std::int64_t> last_event_id(const httplib::Request& req) {
  if (!req.has_header("Last-Event-ID")) return std::nullopt;
  const std::string text = req.get_header_value("Last-Event-ID");
  std::int64_t id = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id < 0)
    throw HttpError(400, "invalid_input",
                    "Last-Event-ID: expected the id of an event this stream sent (a "
                    "non-negative integer)",
                    "Last-Event-ID");
  return id;
}

std::string format_event(const StreamEvent& e) {
  return "id: " + std::to_string(e.id) + "\nevent: " + e.event + "\ndata: " + e.data + "\n\n";
}

namespace {

struct StreamState {
  std::shared_ptr<EventRing> ring;
  std::int64_t after = 0;
  std::shared_ptr<StreamSlots::Slot> slot;  // released when the response is destroyed
  std::chrono::milliseconds heartbeat{};
  bool opened = false;
};

bool write(httplib::DataSink& sink, const std::string& text) {
  return sink.write(text.data(), text.size());
}

// One turn of the content provider: false ends the connection (the client left).
bool pump(StreamState& s, httplib::DataSink& sink) {
  if (!s.opened) {
    s.opened = true;
    // Tells the client the stream is open before any event (and how soon to reconnect).
    return write(sink, "retry: 2000\n: stream open\n\n");
  }
  // A client that left is noticed here (its FIN is readable) rather than at the second write
  // after it left, so its slot is free again within one heartbeat.
  if (!sink.is_writable()) return false;
  auto batch = s.ring->next(s.after, s.heartbeat);
  if (batch.events.empty() && !batch.closed) return write(sink, ": heartbeat\n\n");
  for (const auto& e : batch.events) {
    if (!write(sink, format_event(e))) return false;
    s.after = e.id;
  }
  if (batch.closed) sink.done();
  return true;
}

}  // namespace

void send_event_stream(httplib::Response& res, std::shared_ptr<EventRing> ring, std::int64_t after,
                       std::shared_ptr<StreamSlots::Slot> slot,
                       std::chrono::milliseconds heartbeat) {
  auto state = std::make_shared<StreamState>();
  state->ring = std::move(ring);
  state->after = after;
  state->slot = std::move(slot);
  state->heartbeat = heartbeat;
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");  // a proxy in front must not buffer the stream
  res.set_chunked_content_provider("text/event-stream",
                                   [state](std::size_t, httplib::DataSink& sink) {
                                     try {
                                       return pump(*state, sink);
                                     } catch (...) {
                                       return false;  // never an exception into cpp-httplib
                                     }
                                   });
}

}  // namespace usdcop::server
