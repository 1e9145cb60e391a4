// A PostgreSQL restart while `usdcop engine` runs (issue 13 acceptance: "the same across a
// PostgreSQL restart while the engine runs"), on a private cluster started for this test
// beside the fixture's: three weeks of real bars written while the server is restarted twice
// (pg_ctl restart -m fast, then -m immediate: a crash and its recovery). The engine reconnects
// by itself (pool and LISTEN session); no bar is missing or processed twice and the fills equal
// an uninterrupted run's (the backtest over the same bars, as in the kill -9 test).
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>

#include "live_fixture.hpp"
#include "live_parity.hpp"
#include "store/database.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_cluster.hpp"
#include "support/background_command.hpp"

using namespace usdcop;
using namespace usdcop::live_testing;
using usdcop::testing::BackgroundCommand;
using usdcop::testing::TestDatabase;
using usdcop::testing::wait_until;

namespace {

constexpr const char* kHistoryFrom = "2025-01-02T00:00:00Z";
constexpr const char* kReplayFrom = "2025-02-03T00:00:00Z";
constexpr const char* kReplayTo = "2025-02-22T00:00:00Z";

// Environment variables set for a scope, restored after it.
class ScopedEnv {
 public:
  ScopedEnv(const std::map<std::string, std::string>& values) {
    for (const auto& [name, value] : values) {
      const char* old = std::getenv(name.c_str());
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      ::setenv(name.c_str(), value.c_str(), 1);
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, old] : saved_) {
      if (old)
        ::setenv(name.c_str(), old->c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// A managed cluster of its own under the build tree (beside the fixture's test-home), fast
// mode (no fsync: a restart is not an OS crash) but synchronous commits, stopped and removed
// at the end.
class PrivateCluster {
 public:
  PrivateCluster()
      : home_(std::filesystem::path(std::getenv("USDCOP_HOME")).parent_path() /
              ("pg_restart_" + std::to_string(::getpid()))),
        cluster_(home_, store::kDefaultManagedPort) {
    std::filesystem::remove_all(home_);
    cluster_.start(true, true);
    // Fast mode turns synchronous_commit off; a crash (-m immediate) would then lose commits
    // the writers were told about. With it on (fsync still off) a commit survives a server
    // crash, as on a real cluster.
    auto c = store::open_connection(cluster_.owner_url());
    pqxx::nontransaction tx(*c);
    tx.exec("ALTER SYSTEM SET synchronous_commit = on");
    tx.exec("SELECT pg_reload_conf()");
  }
  ~PrivateCluster() {
    try {
      cluster_.stop();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "the private cluster did not stop: " << e.what();
    }
    std::error_code ec;
    std::filesystem::remove_all(home_, ec);
  }
  store::PgCluster& operator*() { return cluster_; }
  store::PgCluster* operator->() { return &cluster_; }

 private:
  std::filesystem::path home_;
  store::PgCluster cluster_;
};

std::vector<market::Bar> bars_between(const char* from, const char* to) {
  const Timestamp t0 = parse_timestamp_or_throw(from, "from");
  const Timestamp t1 = parse_timestamp_or_throw(to, "to");
  std::vector<market::Bar> out;
  for (const auto& b : test_fixture::real_market().bars)
    if (!(b.time < t0) && b.time < t1) out.push_back(b);
  return out;
}

// Writes bars as a feed would, retrying while the server is away (a write whose commit was in
// doubt is sent again: the stored bar makes it an identical duplicate).
void write_until_stored(store::PgBarStore& store, const std::vector<market::Bar>& bars) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  for (;;) {
    try {
      store.write_bars(bars, "test", false);
      return;
    } catch (const std::exception& e) {
      if (std::chrono::steady_clock::now() > end) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

long leader_epoch(TestDatabase& db) {
  try {
    return count(db, "SELECT epoch FROM system.watermarks WHERE name = 'leader'");
  } catch (const std::exception&) {
    return -1;  // the server is restarting
  }
}

// What the database holds when the engine did not finish (for the failure message).
std::string diagnose(TestDatabase& db) {
  std::string out = "\nsnapshots " +
                    std::to_string(count(db, "SELECT count(*) FROM trading.equity_snapshots")) +
                    ", bars " +
                    std::to_string(count(db,
                                         "SELECT count(*) FROM market.usdcop_m5_ohlcv WHERE time "
                                         ">= '" +
                                             std::string(kReplayFrom) + "'")) +
                    "\n";
  auto c = db.pool().acquire();
  pqxx::read_transaction tx(*c);
  for (const auto& r : tx.exec("SELECT name, value::text, epoch FROM system.watermarks"))
    out += std::string(r[0].c_str()) + " " + (r[1].is_null() ? "-" : r[1].c_str()) + " " +
           r[2].c_str() + "\n";
  for (const auto& r : tx.exec("SELECT pid, state, coalesce(wait_event, '-'), left(query, 120) "
                               "FROM pg_stat_activity WHERE datname = current_database()"))
    out += std::string(r[0].c_str()) + " " + r[1].c_str() + " " + r[2].c_str() + " " +
           r[3].c_str() + "\n";
  return out;
}

}  // namespace

TEST(LiveRestart, APostgresRestartWhileTheEngineRunsLosesAndDuplicatesNothing) {
  PrivateCluster pg;
  std::unique_ptr<TestDatabase> database;
  {
    // TestDatabase creates its database where these name (only while it is built).
    ScopedEnv env({{"DATABASE_URL", pg->url()}, {"USDCOP_OWNER_URL", pg->owner_url()}});
    database = std::make_unique<TestDatabase>();
  }
  TestDatabase& db = *database;
  prepare_database(db, kHistoryFrom, kReplayFrom, "m_restart", true);
  BackgroundCommand engine(
      {"engine", "--tick", "1", "--poll", "0.2", "--heartbeat", "0.5", "--no-monitor"},
      {{"DATABASE_URL", db.url()}, {"USDCOP_HOME", std::getenv("USDCOP_HOME")}});
  // Bars written before the engine's first start would be history to it: wait for its start.
  ASSERT_TRUE(wait_until([&] { return count(db, "SELECT count(*) FROM system.watermarks") >= 3; },
                         std::chrono::seconds(60)))
      << engine.err();

  const auto bars = bars_between(kReplayFrom, kReplayTo);
  ASSERT_GT(bars.size(), 500u);
  store::ConnectionPool writer(db.owner_url(), 1);
  store::PgBarStore feed(writer);
  const std::size_t chunk = 6;
  for (std::size_t i = 0; i < bars.size(); i += chunk) {
    const std::size_t n = std::min(chunk, bars.size() - i);
    write_until_stored(feed, {bars.begin() + i, bars.begin() + i + n});
    // Mid-replay, the engine busy with the bars just written: restart the server, then let
    // the engine lead again (its LISTEN session reconnected, a new epoch) before going on.
    if (i == chunk * 40 || i == chunk * 100) {
      const long epoch = leader_epoch(db);
      pg->restart(i == chunk * 40 ? "fast" : "immediate");
      ASSERT_TRUE(wait_until([&] { return leader_epoch(db) > epoch; }, std::chrono::minutes(2)))
          << engine.err();
    }
  }
  ASSERT_TRUE(wait_until(
      [&] {
        try {
          return count(db, "SELECT count(*) FROM trading.equity_snapshots") ==
                 static_cast<long>(bars.size());
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::minutes(3)))
      << engine.err() << diagnose(db);
  EXPECT_FALSE(engine.finished()) << "the engine stopped: " << engine.err();

  expect_one_row_per_bar(db, static_cast<long>(bars.size()), "m_restart", kReplayFrom, kReplayTo);
  EXPECT_EQ(count(db, "SELECT count(*) FROM system.dead_letter_queue"), 0);
  expect_parity_with_backtest(db, "m_restart", kReplayFrom, kReplayTo);
  // Each restart took the LISTEN session (and the leader lock on it): led again, a new epoch.
  EXPECT_EQ(leader_epoch(db), 3);
  EXPECT_NE(engine.err().find("LISTEN circuit breaker open"), std::string::npos) << engine.err();
  engine.signal(SIGTERM);
  EXPECT_EQ(engine.wait(), 0) << engine.err();
}
