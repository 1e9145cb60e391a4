// The hourly drift job runs in the live engine's leader loop (spec 12): a leading `usdcop
// engine` records one monitor.drift_history row per market feature of its deployed model on
// its first tick (over real January 2025 feature rows), and a standby records nothing.
#include <gtest/gtest.h>
#include <signal.h>

#include "live_fixture.hpp"
#include "support/background_command.hpp"

using namespace usdcop;
using namespace usdcop::live_testing;
using usdcop::testing::BackgroundCommand;
using usdcop::testing::TestDatabase;
using usdcop::testing::wait_until;

TEST(LiveDrift, TheLeaderRecordsDriftHistoryOnItsFirstTick) {
  TestDatabase db;
  prepare_database(db, "2025-01-02T00:00:00Z", "2025-02-03T00:00:00Z", "m_drift", true);
  const std::map<std::string, std::string> env{{"DATABASE_URL", db.url()},
                                               {"USDCOP_HOME", std::getenv("USDCOP_HOME")}};
  BackgroundCommand leader({"engine", "--tick", "0.2"}, env);
  ASSERT_TRUE(
      wait_until([&] { return count(db, "SELECT count(*) FROM monitor.drift_history") == 13; },
                 std::chrono::seconds(60)))
      << leader.err();
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM monitor.drift_history WHERE model_id = 'm_drift' AND "
                  "window_bars = 300"),
            13);
  BackgroundCommand standby({"engine", "--tick", "0.2"}, env);
  // The standby ticks (five times a second) without the lock: nothing more is recorded, and
  // the leader's next run is an hour away.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(count(db, "SELECT count(*) FROM monitor.drift_history"), 13);
  standby.signal(SIGTERM);
  EXPECT_EQ(standby.wait(), 0) << standby.err();
  leader.signal(SIGTERM);
  EXPECT_EQ(leader.wait(), 0) << leader.err();
}
