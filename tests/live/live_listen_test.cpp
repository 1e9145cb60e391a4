// The LISTEN session's circuit breaker, polling fallback and heartbeat (issue 13, spec 06
// "Delivery guarantees"), through a running `usdcop engine` and its /metrics and /health.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "core/calendar.hpp"
#include "live_fixture.hpp"
#include "store/pg_bar_store.hpp"
#include "support/background_command.hpp"

using namespace usdcop;
using namespace usdcop::live_testing;
using usdcop::testing::BackgroundCommand;
using usdcop::testing::TestDatabase;
using usdcop::testing::wait_until;

namespace {

constexpr const char* kHistoryTo = "2025-02-03T00:00:00Z";

std::vector<market::Bar> bars_from(const char* from, std::size_t n) {
  const Timestamp t0 = parse_timestamp_or_throw(from, "from");
  std::vector<market::Bar> out;
  for (const auto& b : test_fixture::real_market().bars) {
    if (b.time < t0) continue;
    if (out.size() == n) break;
    out.push_back(b);
  }
  return out;
}

// The engine's /metrics and /health on its own port.
class EngineScrape {
 public:
  explicit EngineScrape(int port) : http_("127.0.0.1", port) {
    http_.set_connection_timeout(std::chrono::seconds(5));
    http_.set_read_timeout(std::chrono::seconds(30));
  }
  // The value of one sample `series value`; nullopt when absent or unreachable.
  std::optional<double> value(const std::string& series) {
    const auto r = http_.Get("/metrics");
    if (!r || r->status != 200) return std::nullopt;
    const std::string text = "\n" + r->body;
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return std::nullopt;
    return std::stod(text.substr(at + series.size() + 2));
  }
  bool equals(const std::string& series, double v) { return value(series) == v; }
  nlohmann::json health() {
    const auto r = http_.Get("/health");
    return r ? nlohmann::json::parse(r->body) : nlohmann::json();
  }

 private:
  httplib::Client http_;
};

const std::string kBreaker = "usdcop_circuit_breaker_state{name=\"listen\"}";

long snapshots(TestDatabase& db) {
  return count(db, "SELECT count(*) FROM trading.equity_snapshots");
}

}  // namespace

// The engine's LISTEN backend is terminated while no new session can open (the database's
// connection limit set to 0 for non-superusers; the engine's pooled sessions stay): the breaker
// opens, heartbeats stop coming back, and the bars inserted meanwhile are processed by polling
// (the tick is an hour, so only the poll can find them). With connections allowed again the
// listener reconnects, the breaker goes half-open and closes on its heartbeats, and every bar
// was processed exactly once.
TEST(LiveListen, ALostListenSessionOpensTheBreakerAndPollingProcessesEveryBarOnce) {
  TestDatabase db;
  prepare_database(db, "2025-01-02T00:00:00Z", kHistoryTo, "m_listen", true);
  const int port = free_loopback_port();
  BackgroundCommand engine(
      {"engine", "--tick", "3600", "--poll", "0.2", "--heartbeat", "0.3", "--no-monitor",
       "--metrics-port", std::to_string(port)},
      {{"DATABASE_URL", db.url()}, {"USDCOP_HOME", std::getenv("USDCOP_HOME")}});
  EngineScrape scrape(port);
  ASSERT_TRUE(wait_until(
      [&] {
        return scrape.equals("usdcop_engine_leader", 1) && scrape.equals(kBreaker, 0) &&
               scrape.equals("usdcop_heartbeat_ok", 1) &&
               scrape.value("usdcop_notify_latency_seconds_count{channel=\"system_heartbeat\"}")
                       .value_or(0) > 0;
      },
      std::chrono::seconds(60)))
      << engine.err();
  // The session gauge follows the engine's clock (the system clock here).
  const double market = is_market_open(now_utc()) ? 1 : 0;
  const auto seen = scrape.value("usdcop_market_hours_status");
  EXPECT_TRUE(seen == market || seen == (is_market_open(now_utc()) ? 1 : 0));
  EXPECT_EQ(scrape.health().value("listen", ""), "closed");

  // The test writes bars as the owner (a superuser: the connection limit does not apply).
  store::ConnectionPool owner(db.owner_url(), 1);
  store::PgBarStore bars_store(owner);
  const auto bars = bars_from(kHistoryTo, 60);
  bars_store.write_bars({bars.begin(), bars.begin() + 20}, "test", false);
  ASSERT_TRUE(wait_until([&] { return snapshots(db) == 20; }, std::chrono::seconds(60)))
      << engine.err();

  auto owner_sql = [&](const std::string& statement) {
    auto c = owner.acquire();
    pqxx::nontransaction tx(*c);
    return tx.exec(statement);
  };
  owner_sql("ALTER DATABASE " + db.name() + " CONNECTION LIMIT 0");
  // The leader lock lives on the LISTEN session: its holder is the session to kill.
  const auto killed = owner_sql(
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
      "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
  ASSERT_EQ(killed.size(), 1u);
  ASSERT_TRUE(wait_until([&] { return scrape.equals(kBreaker, 2); }, std::chrono::seconds(60)))
      << engine.err();
  bars_store.write_bars({bars.begin() + 20, bars.begin() + 40}, "test", false);
  ASSERT_TRUE(wait_until([&] { return snapshots(db) == 40; }, std::chrono::seconds(60)))
      << engine.err();
  EXPECT_TRUE(wait_until([&] { return scrape.equals("usdcop_heartbeat_ok", 0); },
                         std::chrono::seconds(30)));
  EXPECT_EQ(scrape.value(kBreaker), 2) << "LISTEN cannot reconnect while the limit holds";
  EXPECT_EQ(scrape.health().value("listen", ""), "open");

  owner_sql("ALTER DATABASE " + db.name() + " CONNECTION LIMIT -1");
  ASSERT_TRUE(wait_until(
      [&] { return scrape.equals(kBreaker, 0) && scrape.equals("usdcop_heartbeat_ok", 1); },
      std::chrono::seconds(120)))
      << engine.err();
  bars_store.write_bars({bars.begin() + 40, bars.end()}, "test", false);
  ASSERT_TRUE(wait_until([&] { return snapshots(db) == 60; }, std::chrono::seconds(60)))
      << engine.err();

  const std::string range = " WHERE time >= '" + std::string(kHistoryTo) + "'";
  EXPECT_EQ(count(db, "SELECT count(*) FROM features.inference_features_5m" + range), 60);
  EXPECT_EQ(count(db, "SELECT count(*) FROM trading.equity_snapshots" + range), 60);
  EXPECT_EQ(count(db, "SELECT count(*) FROM system.processed_events WHERE handler = 'L1'"), 60);
  EXPECT_EQ(count(db, "SELECT count(*) FROM system.processed_events WHERE handler = 'L5'"), 60);
  EXPECT_EQ(count(db, "SELECT count(*) FROM system.dead_letter_queue"), 0);
  // The reconnected session took the leadership again: a new epoch.
  EXPECT_EQ(count(db, "SELECT epoch FROM system.watermarks WHERE name = 'leader'"), 2);
  EXPECT_NE(engine.err().find("LISTEN circuit breaker open"), std::string::npos) << engine.err();
  EXPECT_NE(engine.err().find("LISTEN circuit breaker half-open"), std::string::npos);
  engine.signal(SIGTERM);
  EXPECT_EQ(engine.wait(), 0) << engine.err();
}

// A session that stays connected but delivers nothing (its backend stopped with SIGSTOP): the
// engine's own heartbeats stop coming back, the miss opens the breaker and the engine drops the
// silent session and opens a new one (spec 06: "missed heartbeats -> reconnect"). The stopped
// backend keeps the leader lock until it runs again; then the engine leads again (a new epoch)
// and goes on with every bar once.
TEST(LiveListen, ASilentListenSessionMissesItsHeartbeatsAndIsReconnected) {
  TestDatabase db;
  prepare_database(db, "2025-01-02T00:00:00Z", kHistoryTo, "m_silent", true);
  const int port = free_loopback_port();
  BackgroundCommand engine(
      {"engine", "--tick", "1", "--poll", "0.2", "--heartbeat", "0.3", "--no-monitor",
       "--metrics-port", std::to_string(port)},
      {{"DATABASE_URL", db.url()}, {"USDCOP_HOME", std::getenv("USDCOP_HOME")}});
  EngineScrape scrape(port);
  ASSERT_TRUE(wait_until(
      [&] {
        return scrape.equals("usdcop_engine_leader", 1) && scrape.equals(kBreaker, 0) &&
               scrape.equals("usdcop_heartbeat_ok", 1);
      },
      std::chrono::seconds(60)))
      << engine.err();
  store::ConnectionPool owner(db.owner_url(), 1);
  store::PgBarStore bars_store(owner);
  const auto bars = bars_from(kHistoryTo, 20);
  bars_store.write_bars({bars.begin(), bars.begin() + 10}, "test", false);
  ASSERT_TRUE(wait_until([&] { return snapshots(db) == 10; }, std::chrono::seconds(60)))
      << engine.err();

  const long listen_pid = [&] {
    auto c = owner.acquire();
    pqxx::read_transaction tx(*c);
    return tx
        .exec1(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())")[0]
        .as<long>();
  }();
  struct Resume {  // the backend runs again whatever happens below
    pid_t pid;
    ~Resume() { ::kill(pid, SIGCONT); }
  } resume{static_cast<pid_t>(listen_pid)};
  ASSERT_EQ(::kill(resume.pid, SIGSTOP), 0);
  ASSERT_TRUE(
      wait_until([&] { return engine.err().find("LISTEN treated as broken") != std::string::npos; },
                 std::chrono::seconds(60)))
      << engine.err();
  const std::string err = engine.err();
  const auto missed = err.find("none of its heartbeats came back");
  const auto opened = err.find("LISTEN circuit breaker open");
  ASSERT_NE(missed, std::string::npos) << err;
  ASSERT_NE(opened, std::string::npos) << err;
  EXPECT_LT(missed, opened) << "the miss opened the breaker: " << err;
  // The alert of spec 06: an audit row and a usdcop_alerts notification.
  EXPECT_TRUE(wait_until(
      [&] {
        return count(db,
                     "SELECT count(*) FROM system.audit_log WHERE action = "
                     "'live.listen_heartbeat_missed' AND actor = 'live-engine'") >= 1;
      },
      std::chrono::seconds(30)))
      << engine.err();
  // The new session cannot lead: the stopped backend still holds the leader lock.
  EXPECT_TRUE(wait_until([&] { return scrape.equals("usdcop_engine_leader", 0); },
                         std::chrono::seconds(30)))
      << engine.err();

  ::kill(resume.pid, SIGCONT);  // it finds its client gone, ends, and the lock is free
  ASSERT_TRUE(wait_until(
      [&] {
        return scrape.equals("usdcop_engine_leader", 1) && scrape.equals(kBreaker, 0) &&
               scrape.equals("usdcop_heartbeat_ok", 1);
      },
      std::chrono::seconds(60)))
      << engine.err();
  EXPECT_NE(engine.err().find("LISTEN circuit breaker half-open"), std::string::npos);
  bars_store.write_bars({bars.begin() + 10, bars.end()}, "test", false);
  ASSERT_TRUE(wait_until([&] { return snapshots(db) == 20; }, std::chrono::seconds(60)))
      << engine.err();
  EXPECT_EQ(count(db, "SELECT count(*) FROM system.processed_events WHERE handler = 'L1'"), 20);
  EXPECT_EQ(count(db, "SELECT count(*) FROM system.processed_events WHERE handler = 'L5'"), 20);
  EXPECT_EQ(count(db, "SELECT epoch FROM system.watermarks WHERE name = 'leader'"), 2);
  engine.signal(SIGTERM);
  EXPECT_EQ(engine.wait(), 0) << engine.err();
}
