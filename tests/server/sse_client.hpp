#pragma once
// A Server-Sent Events client for the tests: a real httplib::Client on its own thread reading
// a stream of the server under test, parsing `id:`/`event:`/`data:` records and `:` comments.
// The destructor leaves the stream (the receiver returns false on the next chunk).
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace usdcop::testing {

struct SseEvent {
  std::string id, event;
  nlohmann::json data;
};

class SseClient {
 public:
  SseClient(int port, const std::string& path, const std::string& token,
            std::optional<std::string> last_event_id = std::nullopt);
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  // Waits (at most 30 s: a 10x margin) until `done` holds over the client's state.
  bool wait_until(const std::function<bool(const SseClient&)>& done);
  bool wait_open() {
    return wait_until([](const SseClient& c) { return c.opened || c.finished; });
  }

  // Read under wait_until (or after finished).
  int status = 0;
  bool opened = false;    // the server's opening comment arrived
  bool finished = false;  // the response ended (server closed it, or it was refused)
  int heartbeats = 0;
  std::vector<SseEvent> events;
  std::string body;  // everything received (an error body when refused)

  std::vector<SseEvent> snapshot();
  bool is_finished();  // now, under the client's lock

 private:
  void parse();  // caller holds mutex_

  std::mutex mutex_;
  std::condition_variable changed_;
  std::string buffer_;
  bool leaving_ = false;
  std::thread thread_;
};

}  // namespace usdcop::testing
