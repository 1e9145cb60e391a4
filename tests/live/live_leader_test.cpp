// Two `usdcop engine` processes on one database (issue 13): exactly one leads (advisory lock on
// its LISTEN session); when the leader is killed, the standby takes over from the watermarks
// with no gap and no duplicate.
#include <gtest/gtest.h>
#include <signal.h>

#include "app/services.hpp"
#include "app/trading_reads.hpp"
#include "live_fixture.hpp"
#include "support/background_command.hpp"

using namespace usdcop;
using namespace usdcop::live_testing;
using usdcop::testing::BackgroundCommand;
using usdcop::testing::TestDatabase;
using usdcop::testing::wait_until;

namespace {

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

std::string pid_suffix(pid_t pid) {
  std::string s(1, ':');
  s += std::to_string(pid);
  return s;
}

std::string leader_holder(TestDatabase& db) {
  auto c = db.pool().acquire();
  pqxx::read_transaction tx(*c);
  return tx.exec1("SELECT coalesce(holder, '') FROM system.watermarks WHERE name = 'leader'")[0]
      .c_str();
}

}  // namespace

TEST(LiveLeader, OneLeaderAndTheStandbyTakesOverWithoutGapOrDuplicate) {
  TestDatabase db;
  prepare_database(db, "2025-01-02T00:00:00Z", "2025-02-03T00:00:00Z", "m_two", true);
  const std::map<std::string, std::string> env{{"DATABASE_URL", db.url()},
                                               {"USDCOP_HOME", std::getenv("USDCOP_HOME")}};
  const std::vector<std::string> args{"engine", "--tick", "0.2"};
  auto first = std::make_unique<BackgroundCommand>(args, env);
  ASSERT_TRUE(wait_until([&] { return !leader_holder(db).empty(); }, std::chrono::seconds(60)))
      << first->err();
  EXPECT_TRUE(leader_holder(db).ends_with(pid_suffix(first->pid())));
  BackgroundCommand second(args, env);
  const auto bars = bars_from("2025-02-03T00:00:00Z", 200);
  store::PgBarStore(db.pool()).write_bars({bars.begin(), bars.begin() + 100}, "test", false);
  ASSERT_TRUE(
      wait_until([&] { return count(db, "SELECT count(*) FROM trading.equity_snapshots") == 100; },
                 std::chrono::seconds(120)))
      << first->err() << second.err();
  // The standby never took the leadership while the first engine lived.
  EXPECT_EQ(count(db, "SELECT epoch FROM system.watermarks WHERE name = 'leader'"), 1);
  EXPECT_EQ(count(db, "SELECT count(DISTINCT epoch) FROM system.processed_events"), 1);

  first->signal(SIGKILL);
  first->wait();
  store::PgBarStore(db.pool()).write_bars({bars.begin() + 100, bars.end()}, "test", false);
  ASSERT_TRUE(
      wait_until([&] { return count(db, "SELECT count(*) FROM trading.equity_snapshots") == 200; },
                 std::chrono::seconds(120)))
      << second.err();
  EXPECT_TRUE(leader_holder(db).ends_with(pid_suffix(second.pid())));
  EXPECT_EQ(count(db, "SELECT epoch FROM system.watermarks WHERE name = 'leader'"), 2);
  EXPECT_EQ(count(db, "SELECT count(*) FROM system.processed_events WHERE epoch = 2"), 200);
  EXPECT_EQ(count(db, "SELECT count(*) FROM system.processed_events"), 400);
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM features.inference_features_5m WHERE time >= "
                  "'2025-02-03'"),
            200);
  second.signal(SIGTERM);
  EXPECT_EQ(second.wait(), 0) << second.err();
}

// A replay leads like a live engine (issue 13): its LISTEN session holds the leader lock, so the
// engine status use case (GET /engine/status) shows the leader alive during the replay, and a
// second engine (replay or live) does not lead beside it. Once the replay ends the lock is gone.
TEST(LiveLeader, AReplayHoldsTheLeaderLockSoTheStatusShowsTheLeaderAlive) {
  TestDatabase db;
  prepare_database(db, "2025-01-02T00:00:00Z", "2025-02-03T00:00:00Z", "m_replay_lead", true);
  const auto lines = real_bar_lines("2025-02-03T00:00:00Z", "2025-02-05T00:00:00Z");
  ASSERT_GT(lines.size(), 100u);
  const auto dir = test_fixture::fresh_dir("replay_leads");
  const auto file = write_replay_file(dir / "replay.csv", lines);
  const std::map<std::string, std::string> env{{"DATABASE_URL", db.url()},
                                               {"USDCOP_HOME", std::getenv("USDCOP_HOME")}};
  app::Services services(db.url());
  EXPECT_FALSE(app::engine_status(services).leader_alive);
  // 300 simulated seconds a row at speed 600: half a second a row, the replay lasts minutes.
  BackgroundCommand replay({"engine", "--replay", file.string(), "--speed", "600", "--no-monitor"},
                           env);
  ASSERT_TRUE(
      wait_until([&] { return count(db, "SELECT count(*) FROM trading.equity_snapshots") >= 2; },
                 std::chrono::seconds(120)))
      << replay.err();
  const app::EngineStatus during = app::engine_status(services);
  EXPECT_TRUE(during.leader_alive);
  EXPECT_TRUE(during.leader_holder.ends_with(pid_suffix(replay.pid()))) << during.leader_holder;
  EXPECT_FALSE(replay.finished()) << "the replay ended before the status was read";

  // A second replay is refused (conflict, exit 5) and takes no epoch.
  BackgroundCommand second({"engine", "--replay", file.string(), "--speed", "max"}, env);
  EXPECT_EQ(second.wait(), 5) << second.err();
  EXPECT_NE(second.err().find("leader"), std::string::npos) << second.err();
  EXPECT_EQ(count(db, "SELECT epoch FROM system.watermarks WHERE name = 'leader'"), 1);

  replay.signal(SIGTERM);
  EXPECT_EQ(replay.wait(), 0) << replay.err();
  // The lock goes with the server's backend, which ends just after the client's exit.
  EXPECT_TRUE(wait_until([&] { return !app::engine_status(services).leader_alive; },
                         std::chrono::seconds(30)));
}
