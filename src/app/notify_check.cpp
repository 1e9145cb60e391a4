#include "app/notify_check.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "app/services.hpp"
#include "core/error.hpp"
#include "store/connection_pool.hpp"
#include "store/notify.hpp"
#include "store/pg_copy.hpp"
#include "store/pg_listener.hpp"

namespace usdcop::app {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

std::string instance_id() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid()) + ":doctor";
}

void measure_clock_skew(store::ConnectionPool& pool, NotifyCheckResult& r) {
  store::guard_connection("reading the database clock", [&] {
    auto conn = pool.acquire();
    pqxx::nontransaction tx(*conn, "clock_skew");
    tx.exec("SELECT 1");  // warm: the measured trip below is one statement only
    const auto host0 = std::chrono::system_clock::now();
    const auto row = tx.exec1("SELECT " + store::sql_micros_of("clock_timestamp()"));
    const auto host1 = std::chrono::system_clock::now();
    const auto db_us = row[0].as<int64_t>();
    const auto mid = host0 + (host1 - host0) / 2;
    const auto host_us =
        std::chrono::duration_cast<std::chrono::microseconds>(mid.time_since_epoch()).count();
    r.clock_skew_ms = static_cast<double>(db_us - host_us) / 1000.0;
    r.clock_round_trip_ms = std::chrono::duration<double, std::milli>(host1 - host0).count();
  });
}

// One transaction per heartbeat; sent[i] is stamped just before its commit. Returns how many.
long send_heartbeats(store::ConnectionPool& pool, const std::string& instance,
                     std::vector<SteadyTime>& sent, std::mutex& mutex) {
  auto conn = pool.acquire();
  long n = 0;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    store::guard_connection("sending a notification", [&] {
      pqxx::work tx(*conn, "doctor_notify");
      // The heartbeat carries no data: no WAL flush wait, the latency is the notify path.
      tx.exec("SET LOCAL synchronous_commit TO off");
      store::notify(tx,
                    events::SystemHeartbeat{instance, static_cast<int64_t>(i), now_utc(), false});
      {
        std::lock_guard lock(mutex);
        sent[i] = std::chrono::steady_clock::now();
      }
      tx.commit();
    });
    ++n;
  }
  return n;
}

}  // namespace

LatencySummary summarize_latency(std::vector<double> ms) {
  LatencySummary s;
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    const auto rank = static_cast<std::size_t>(q * static_cast<double>(ms.size()) + 0.999999);
    return ms[std::min(ms.size(), std::max<std::size_t>(rank, 1)) - 1];
  };
  s.p50_ms = at(0.50);
  s.p95_ms = at(0.95);
  s.p99_ms = at(0.99);
  s.max_ms = ms.back();
  return s;
}

NotifyCheckResult check_notifications(Services& services, const NotifyCheckRequest& request) {
  if (request.events < 1)
    throw Error(ErrorKind::invalid_input, "events: must be at least 1", "events");
  auto& pool = services.pool();
  NotifyCheckResult result;
  result.channel = events::channel_name(events::Channel::system_heartbeat);
  result.instance = instance_id();
  const auto n = static_cast<std::size_t>(request.events);
  std::vector<SteadyTime> sent(n), received(n);
  std::vector<char> got(n, 0);
  std::mutex mutex;
  std::atomic<long> count{0};
  store::PgListener listener(pool.url(), {events::Channel::system_heartbeat});
  listener.on_event([&](const events::Event& e) {
    const auto now = std::chrono::steady_clock::now();
    const auto* beat = std::get_if<events::SystemHeartbeat>(&e);
    if (beat == nullptr || beat->instance != result.instance) return;  // someone else's
    const auto i = static_cast<std::size_t>(beat->sequence);
    std::lock_guard lock(mutex);
    if (i >= n || got[i]) return;
    got[i] = 1;
    received[i] = now;
    ++count;
  });
  listener.connect();
  std::atomic<bool> sending_done{false};
  std::atomic<SteadyTime::rep> drain_until{0};  // steady ticks; set before sending_done
  std::thread receiver([&] {
    for (;;) {
      listener.wait(std::chrono::milliseconds(100));
      if (count.load() == request.events) return;
      if (sending_done.load() &&
          std::chrono::steady_clock::now().time_since_epoch().count() >= drain_until.load())
        return;
    }
  });
  const auto t0 = std::chrono::steady_clock::now();
  try {
    result.sent = send_heartbeats(pool, result.instance, sent, mutex);
  } catch (...) {
    drain_until = std::chrono::steady_clock::now().time_since_epoch().count();
    sending_done = true;
    listener.wake();
    receiver.join();
    throw;
  }
  drain_until = (std::chrono::steady_clock::now() +
                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(request.drain))
                    .time_since_epoch()
                    .count();
  sending_done = true;
  receiver.join();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<double> ms;
  {
    std::lock_guard lock(mutex);
    for (std::size_t i = 0; i < n; ++i)
      if (got[i])
        ms.push_back(std::chrono::duration<double, std::milli>(received[i] - sent[i]).count());
  }
  result.received = static_cast<long>(ms.size());
  result.lost = result.sent - result.received;
  result.latency = summarize_latency(std::move(ms));
  measure_clock_skew(pool, result);
  return result;
}

}  // namespace usdcop::app
