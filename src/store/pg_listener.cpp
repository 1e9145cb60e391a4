#include "store/pg_listener.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <stdexcept>

#include "events/codec.hpp"
#include "store/database.hpp"

namespace usdcop::store {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds ListenerBackoff::delay_after(int failures) const {
  auto delay = initial;
  for (int i = 1; i < failures && delay < maximum; ++i) delay *= 2;
  return std::min(delay, maximum);
}

// One LISTEN per channel: libpqxx issues LISTEN when a receiver registers and calls it from
// get_notifs(). It only queues; decoding and the hooks run in PgListener::dispatch().
class PgListener::Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& c, const std::string& channel, PgListener& owner)
      : pqxx::notification_receiver(c, channel), owner_(owner) {}
  void operator()(const std::string& payload, int) override { owner_.enqueue(channel(), payload); }

 private:
  PgListener& owner_;
};

PgListener::PgListener(std::string url, std::vector<events::Channel> channels,
                       ListenerBackoff backoff)
    : url_(std::move(url)), channels_(std::move(channels)), backoff_(backoff) {
  if (channels_.empty()) throw std::invalid_argument("PgListener: no channel to listen on");
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::runtime_error("PgListener: eventfd failed");
}

PgListener::~PgListener() {
  if (conn_) conn_->disconnect();
  receivers_.clear();
  conn_.reset();
  if (wake_fd_ >= 0) close(wake_fd_);
}

int PgListener::backend_pid() const {
  return conn_ ? conn_->backendpid() : 0;
}

ListenerCounters PgListener::counters() const {
  return {delivered_.load(), undecodable_.load(), reconnects_.load(), failures_.load()};
}

void PgListener::wake() noexcept {
  const uint64_t one = 1;
  [[maybe_unused]] const auto n = write(wake_fd_, &one, sizeof one);
}

void PgListener::open_session() {
  auto conn = open_connection(url_);  // Error(unavailable) when unreachable
  std::vector<std::unique_ptr<Receiver>> receivers;
  try {
    for (const auto channel : channels_) {
      receivers.push_back(std::make_unique<Receiver>(*conn, events::channel_name(channel), *this));
    }
  } catch (const pqxx::failure& e) {
    conn->disconnect();
    throw Error(ErrorKind::unavailable, std::string("LISTEN failed: ") + e.what());
  }
  conn_ = std::move(conn);
  receivers_ = std::move(receivers);
  session_pid_ = conn_->backendpid();
  consecutive_failures_ = 0;
  last_error_.clear();
}

bool PgListener::try_connect() {
  if (conn_) return true;
  try {
    open_session();
  } catch (const std::exception& e) {
    ++failures_;
    ++consecutive_failures_;
    last_error_ = e.what();
    next_attempt_ = Clock::now() + backoff_.delay_after(consecutive_failures_);
    if (on_connect_failed_) on_connect_failed_(last_error_);
    return false;
  }
  if (sessions_++ > 0) {
    ++reconnects_;
    if (on_reconnect_) on_reconnect_(*this);
  }
  return true;
}

void PgListener::connect() {
  if (conn_) return;
  if (!try_connect()) throw Error(ErrorKind::unavailable, "LISTEN session: " + last_error_);
}

pqxx::connection& PgListener::session() {
  connect();
  return *conn_;
}

void PgListener::lose_session(const std::string& reason) {
  if (!conn_) return;
  conn_->disconnect();  // first, so that dropping the receivers sends no UNLISTEN
  receivers_.clear();
  conn_.reset();
  session_pid_ = 0;
  ++failures_;
  last_error_ = reason;
  next_attempt_ = Clock::now();  // the first attempt after a loss is immediate
  if (on_lost_) on_lost_(reason);
}

void PgListener::check_same_session() {
  if (conn_ && conn_->is_open() && conn_->backendpid() == session_pid_) return;
  lose_session("the LISTEN session was replaced or closed");
  throw Error(ErrorKind::unavailable, "the LISTEN session was lost");
}

void PgListener::enqueue(const std::string& channel, const std::string& payload) {
  pending_.push_back({channel, payload});
}

bool PgListener::drain() {
  try {
    if (conn_->is_open() && conn_->sock() >= 0) {
      conn_->get_notifs();
      if (conn_->is_open() && conn_->backendpid() == session_pid_) return true;
    }
    lose_session("the LISTEN session was closed");
  } catch (const pqxx::broken_connection& e) {
    lose_session(e.what());
  }
  return false;
}

std::size_t PgListener::dispatch() {
  std::size_t n = 0;
  while (!pending_.empty()) {
    const Pending p = std::move(pending_.front());
    pending_.pop_front();
    ++n;
    std::optional<events::Event> event;
    try {
      event = events::decode(p.channel, p.payload);
    } catch (const Error& e) {
      ++undecodable_;
      if (on_undecodable_) on_undecodable_({p.channel, p.payload, e.what(), e.field()});
      continue;
    }
    ++delivered_;
    if (on_event_) on_event_(*event);
  }
  return n;
}

PgListener::Woken PgListener::poll_until(Clock::time_point deadline, bool with_socket) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return Woken::timeout;
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {with_socket ? conn_->sock() : -1, POLLIN, 0}};
    const int r = poll(fds, 2, static_cast<int>(std::min<long long>(left, 60'000)));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw std::runtime_error("PgListener: poll failed");
    if (fds[0].revents != 0) {
      uint64_t count = 0;
      [[maybe_unused]] const auto n = read(wake_fd_, &count, sizeof count);
      return Woken::wake;
    }
    if (fds[1].revents != 0) return Woken::socket;
  }
}

std::size_t PgListener::wait(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (!pending_.empty()) return dispatch();
    if (!conn_) {
      if (Clock::now() < next_attempt_) {
        if (poll_until(std::min(next_attempt_, deadline), false) == Woken::wake) return 0;
        if (Clock::now() >= deadline) return 0;
        continue;
      }
      if (!try_connect()) continue;
    }
    // Notifications may already sit in libpq's buffer (read during a query): drain first,
    // since the socket will not signal them again.
    if (!drain()) continue;
    if (!pending_.empty()) return dispatch();
    const auto woken = poll_until(deadline, true);
    if (woken == Woken::wake || woken == Woken::timeout) {
      if (conn_) drain();
      return dispatch();
    }
  }
}

}  // namespace usdcop::store
