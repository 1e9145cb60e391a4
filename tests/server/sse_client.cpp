#include "sse_client.hpp"

namespace usdcop::testing {

SseClient::SseClient(int port, const std::string& path, const std::string& token,
                     std::optional<std::string> last_event_id) {
  httplib::Headers headers{{"Authorization", "Bearer " + token}, {"Accept", "text/event-stream"}};
  if (last_event_id) headers.emplace("Last-Event-ID", *last_event_id);
  thread_ = std::thread([this, port, path, headers] {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(30, 0);
    client.Get(
        path, headers,
        [this](const httplib::Response& r) {
          std::lock_guard lock(mutex_);
          status = r.status;
          changed_.notify_all();
          return true;
        },
        [this](const char* data, std::size_t n) {
          std::lock_guard lock(mutex_);
          body.append(data, n);
          buffer_.append(data, n);
          parse();
          changed_.notify_all();
          return !leaving_;
        });
    std::lock_guard lock(mutex_);
    finished = true;
    changed_.notify_all();
  });
}

SseClient::~SseClient() {
  {
    std::lock_guard lock(mutex_);
    leaving_ = true;
  }
  thread_.join();
}

void SseClient::parse() {
  for (auto end = buffer_.find("\n\n"); end != std::string::npos; end = buffer_.find("\n\n")) {
    const std::string block = buffer_.substr(0, end);
    buffer_.erase(0, end + 2);
    SseEvent e;
    bool is_event = false;
    std::size_t pos = 0;
    while (pos <= block.size()) {
      auto nl = block.find('\n', pos);
      if (nl == std::string::npos) nl = block.size();
      const std::string line = block.substr(pos, nl - pos);
      pos = nl + 1;
      if (line == ": heartbeat") ++heartbeats;
      if (line == ": stream open") opened = true;
      if (line.rfind("id: ", 0) == 0) e.id = line.substr(4);
      if (line.rfind("event: ", 0) == 0) {
        e.event = line.substr(7);
        is_event = true;
      }
      if (line.rfind("data: ", 0) == 0) e.data = nlohmann::json::parse(line.substr(6));
    }
    if (is_event) events.push_back(std::move(e));
  }
}

bool SseClient::wait_until(const std::function<bool(const SseClient&)>& done) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return done(*this); });
}

bool SseClient::is_finished() {
  std::lock_guard lock(mutex_);
  return finished;
}

std::vector<SseEvent> SseClient::snapshot() {
  std::lock_guard lock(mutex_);
  return events;
}

}  // namespace usdcop::testing
