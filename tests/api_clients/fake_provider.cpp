#include "fake_provider.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace usdcop::testing {

std::string recorded(const std::string& name) {
  const auto path = std::filesystem::path(USDCOP_API_RECORDED_DIR) / name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "recorded response missing: " << path;
    throw std::runtime_error("missing recorded response " + path.string());
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Reply recorded_reply(const std::string& name, int status) {
  Reply r;
  r.status = status;
  r.body = recorded(name);
  if (name.ends_with(".html")) r.content_type = "text/html";
  return r;
}

FakeProvider::FakeProvider() {
  server_.Get(".*",
              [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FakeProvider: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  for (int i = 0; i < 500 && !server_.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (!server_.is_running()) throw std::runtime_error("FakeProvider: server did not start");
}

FakeProvider::~FakeProvider() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeProvider::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void FakeProvider::script(const std::string& path, std::vector<Reply> replies) {
  std::lock_guard lock(mu_);
  auto& q = scripts_[path];
  for (auto& r : replies) q.push_back(std::move(r));
}

void FakeProvider::route(const std::string& path, Route route) {
  std::lock_guard lock(mu_);
  routes_[path] = std::move(route);
}

int FakeProvider::hits(const std::string& path) const {
  std::lock_guard lock(mu_);
  const auto it = requests_.find(path);
  return it == requests_.end() ? 0 : static_cast<int>(it->second.size());
}

std::vector<FakeProvider::Params> FakeProvider::requests(const std::string& path) const {
  std::lock_guard lock(mu_);
  const auto it = requests_.find(path);
  return it == requests_.end() ? std::vector<Params>{} : it->second;
}

void FakeProvider::handle(const httplib::Request& req, httplib::Response& res) {
  ++total_hits_;
  Params params(req.params.begin(), req.params.end());
  Reply reply;
  bool found = false;
  Route route;
  {
    std::lock_guard lock(mu_);
    requests_[req.path].push_back(params);
    auto& q = scripts_[req.path];
    if (!q.empty()) {
      reply = std::move(q.front());
      q.pop_front();
      found = true;
    } else if (auto it = routes_.find(req.path); it != routes_.end()) {
      route = it->second;
    }
  }
  if (!found && route) {
    reply = route(params);
    found = true;
  }
  if (!found) {
    reply.status = 404;
    reply.body = R"({"error":"no scripted reply for )" + req.path + "\"}";
  }
  if (reply.delay.count() > 0) std::this_thread::sleep_for(reply.delay);
  res.status = reply.status;
  for (const auto& [k, v] : reply.headers) res.set_header(k, v);
  res.set_content(reply.body, reply.content_type);
}

int FakeProvider::closed_port() {
  // Bind (without listening) to let the kernel pick a free port, then release it.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind() failed");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string param(const FakeProvider::Params& p, const std::string& key) {
  const auto it = p.find(key);
  return it == p.end() ? std::string() : it->second;
}

}  // namespace usdcop::testing
