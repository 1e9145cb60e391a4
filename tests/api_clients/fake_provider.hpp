#pragma once
// A real HTTP server (cpp-httplib) on 127.0.0.1 and a free port, standing in for TwelveData and
// FRED: it serves recorded responses (tests/api_clients/recorded/) or replies computed by a
// route, counts hits per path and keeps every request's query parameters. The clients under
// test reach it through the real libcurl transport.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace usdcop::testing {

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds delay{0};  // wait before answering (timeouts)
};

// A recorded response file's text; FAILs the test (and throws) when it is missing.
std::string recorded(const std::string& name);
Reply recorded_reply(const std::string& name, int status = 200);

class FakeProvider {
 public:
  using Params = std::multimap<std::string, std::string>;
  using Route = std::function<Reply(const Params& params)>;

  FakeProvider();   // listening when it returns
  ~FakeProvider();  // stops the server and joins its thread
  FakeProvider(const FakeProvider&) = delete;
  FakeProvider& operator=(const FakeProvider&) = delete;

  std::string base_url() const;  // "http://127.0.0.1:<port>"
  int port() const { return port_; }

  // Replies served in order for `path`; when they run out, the route (or 404) answers.
  void script(const std::string& path, std::vector<Reply> replies);
  void route(const std::string& path, Route route);

  int hits(const std::string& path) const;
  int total_hits() const { return total_hits_.load(); }
  std::vector<Params> requests(const std::string& path) const;  // query parameters, in order

  // A port with nothing listening (bound, then released), for connection-refused tests.
  static int closed_port();

 private:
  void handle(const httplib::Request& req, httplib::Response& res);

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, std::deque<Reply>> scripts_;
  std::map<std::string, Route> routes_;
  std::map<std::string, std::vector<Params>> requests_;
  std::atomic<int> total_hits_{0};
};

// Query parameter value (first occurrence) or "".
std::string param(const FakeProvider::Params& p, const std::string& key);

}  // namespace usdcop::testing
