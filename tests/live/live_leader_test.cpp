// Two `usdcop engine` processes on one database (issue 13): exactly one leads (advisory lock on
// its LISTEN session); when the leader is killed, the standby takes over from the watermarks
// with no gap and no duplicate.
#include <gtest/gtest.h>
#include <signal.h>

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
