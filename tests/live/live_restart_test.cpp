// A PostgreSQL restart while `usdcop engine` runs (issue 13 acceptance: "the same across a
// PostgreSQL restart while the engine runs"), on a private cluster started for this test
// beside the fixture's: two weeks of real bars written while the server is restarted twice
// (pg_ctl restart -m fast, then -m immediate: a crash and its recovery). The engine reconnects
// by itself (pool and LISTEN session); no bar is missing or processed twice and the fills equal
// an uninterrupted run's (the backtest over the same bars, as in the kill -9 test).
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>

#include "live_fixture.hpp"
#include "live_parity.hpp"
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
constexpr const char* kReplayTo = "2025-02-15T00:00:00Z";

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
// mode (no fsync: a restart is not an OS crash), stopped and removed at the end.
class PrivateCluster {
 public:
  PrivateCluster()
      : home_(std::filesystem::path(std::getenv("USDCOP_HOME")).parent_path() /
              ("pg_restart_" + std::to_string(::getpid()))),
        cluster_(home_, store::kDefaultManagedPort) {
    std::filesystem::remove_all(home_);
    cluster_.start(true, true);
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
    // Mid-replay, the engine busy with the bars just written: restart the server.
    if (i == chunk * 30) pg->restart("fast");
    if (i == chunk * 65) pg->restart("immediate");
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
      << engine.err();
  EXPECT_FALSE(engine.finished()) << "the engine stopped: " << engine.err();

  expect_one_row_per_bar(db, static_cast<long>(bars.size()), "m_restart", kReplayFrom, kReplayTo);
  EXPECT_EQ(count(db, "SELECT count(*) FROM system.dead_letter_queue"), 0);
  expect_parity_with_backtest(db, "m_restart", kReplayFrom, kReplayTo);
  // Each restart took the LISTEN session (and the leader lock on it): led again, a new epoch.
  EXPECT_GE(count(db, "SELECT epoch FROM system.watermarks WHERE name = 'leader'"), 3);
  EXPECT_NE(engine.err().find("LISTEN circuit breaker open"), std::string::npos) << engine.err();
  engine.signal(SIGTERM);
  EXPECT_EQ(engine.wait(), 0) << engine.err();
}
