#pragma once
// The dedicated LISTEN session (spec 06, 12): its own connection, never one of the pool, so it
// bypasses any transaction pooler and lives as long as its owner wants. It LISTENs on a set of
// channels, waits for notifications (with a timeout, or until wake()), decodes each payload
// with the events codec and hands the typed event to on_event. A payload that does not decode
// is counted and reported to on_undecodable; it never stops the listener.
//
// When the session is lost (server restart, pg_terminate_backend, network), wait() reconnects:
// the first attempt at once, then with exponential back-off (ListenerBackoff) while attempts
// fail. After every new session but the first, on_reconnect runs (the live engine runs its
// catch-up there: notifications sent while LISTEN was down are gone for good — the durable
// watermarks are the truth, NOTIFY only wakes). Session state (LISTEN, advisory locks) dies
// with the session; with_session() runs statements on it (the live engine holds its leader
// advisory lock there and takes it again in on_reconnect).
//
// One owner thread calls connect/wait/with_session; wake() and counters() may be called from
// any thread. Back-off runs on the steady clock: it is about the network, not market time.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "events/event.hpp"

namespace usdcop::store {

struct ListenerBackoff {
  std::chrono::milliseconds initial{1000};  // delay after the first failed attempt
  std::chrono::milliseconds maximum{30000};
  // Delay before the next attempt after `failures` consecutive failed ones (>= 1): initial,
  // doubled per further failure, at most maximum.
  std::chrono::milliseconds delay_after(int failures) const;
};

// A notification whose payload the codec refused.
struct UndecodableNotification {
  std::string channel;
  std::string payload;
  std::string error;  // the codec's message
  std::string field;  // the offending field's logical name
};

struct ListenerCounters {
  uint64_t delivered = 0;            // events handed to on_event
  uint64_t undecodable = 0;          // payloads the codec refused
  uint64_t reconnects = 0;           // sessions opened after the first
  uint64_t connection_failures = 0;  // failed connection attempts and lost sessions
};

class PgListener {
 public:
  using EventHandler = std::function<void(const events::Event&)>;
  using UndecodableHandler = std::function<void(const UndecodableNotification&)>;
  using ReconnectHandler = std::function<void(PgListener&)>;
  using ConnectionLostHandler = std::function<void(const std::string& reason)>;

  // Opens nothing yet. Throws std::invalid_argument when `channels` is empty.
  PgListener(std::string url, std::vector<events::Channel> channels, ListenerBackoff backoff = {});
  virtual ~PgListener();
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

  void on_event(EventHandler handler) { on_event_ = std::move(handler); }
  void on_undecodable(UndecodableHandler handler) { on_undecodable_ = std::move(handler); }
  void on_reconnect(ReconnectHandler handler) { on_reconnect_ = std::move(handler); }
  void on_connection_lost(ConnectionLostHandler handler) { on_lost_ = std::move(handler); }
  // A connection attempt (connect() or a reconnect in wait()) failed, with the reason.
  void on_connect_failed(ConnectionLostHandler handler) { on_connect_failed_ = std::move(handler); }

  // Opens the session and LISTENs on every channel, when not connected. Throws
  // Error(unavailable) with the reason when the database cannot be reached.
  void connect();

  // Delivers the notifications that arrive within `timeout` (returns after the first batch,
  // so the owner can interleave its own work), reconnecting as needed. Returns how many were
  // delivered or refused; 0 on timeout, on wake() or while the database is unreachable.
  // Exceptions of the hooks propagate (the notification that raised is not redelivered).
  std::size_t wait(std::chrono::milliseconds timeout);

  // Drops the session as if it were lost (on_connection_lost runs); the next wait()
  // reconnects. The live engine does so when its own heartbeats stop arriving (spec 06).
  void reset(const std::string& reason) { lose_session(reason); }

  // Makes the current or next wait() return early. Thread-safe, async-signal-safe.
  void wake() noexcept;

  // Runs f(pqxx::connection&) on the LISTEN session itself (connecting first when needed).
  // A session lost meanwhile throws Error(unavailable); wait() then reconnects.
  template <class F>
  auto with_session(F&& f) -> decltype(f(std::declval<pqxx::connection&>()));

  bool connected() const { return conn_ != nullptr; }
  int backend_pid() const;  // of the current session, 0 when not connected
  const std::vector<events::Channel>& channels() const { return channels_; }
  const std::string& last_error() const { return last_error_; }
  ListenerCounters counters() const;

 private:
  class Receiver;
  struct Pending {
    std::string channel, payload;
  };

  pqxx::connection& session();
  bool try_connect();
  void open_session();
  void lose_session(const std::string& reason);
  void check_same_session();
  bool drain();  // moves arrived notifications to pending_; false when the session was lost
  std::size_t dispatch();
  void enqueue(const std::string& channel, const std::string& payload);
  enum class Woken { timeout, socket, wake };
  Woken poll_until(std::chrono::steady_clock::time_point deadline, bool with_socket);

  std::string url_;
  std::vector<events::Channel> channels_;
  ListenerBackoff backoff_;
  EventHandler on_event_;
  UndecodableHandler on_undecodable_;
  ReconnectHandler on_reconnect_;
  ConnectionLostHandler on_lost_;
  ConnectionLostHandler on_connect_failed_;

  std::unique_ptr<pqxx::connection> conn_;  // destroyed after the receivers
  std::vector<std::unique_ptr<Receiver>> receivers_;
  int session_pid_ = 0;
  uint64_t sessions_ = 0;
  int consecutive_failures_ = 0;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::string last_error_;
  std::deque<Pending> pending_;
  int wake_fd_ = -1;
  std::atomic<uint64_t> delivered_{0}, undecodable_{0}, reconnects_{0}, failures_{0};
};

template <class F>
auto PgListener::with_session(F&& f) -> decltype(f(std::declval<pqxx::connection&>())) {
  pqxx::connection& c = session();
  try {
    if constexpr (std::is_void_v<decltype(f(c))>) {
      f(c);
      check_same_session();
    } else {
      auto result = f(c);
      check_same_session();
      return result;
    }
  } catch (const pqxx::broken_connection& e) {
    lose_session(e.what());
    throw Error(ErrorKind::unavailable, std::string("the LISTEN session was lost: ") + e.what());
  }
}

}  // namespace usdcop::store
