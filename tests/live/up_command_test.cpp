// `usdcop up` end to end (issue 15 item 6): on a test database with a deployed model, the API and
// the live engine run in one process; a fresh database's admin token is printed once and kept in
// a user-only file; the replayed bars are decided; SIGTERM stops everything with exit 0; a
// later run prints only where the token is.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <regex>

#include "live_fixture.hpp"
#include "support/background_command.hpp"

using namespace usdcop;
using namespace usdcop::live_testing;
using usdcop::testing::BackgroundCommand;
using usdcop::testing::TestDatabase;
using usdcop::testing::wait_until;

namespace {

constexpr const char* kHistoryFrom = "2025-01-02T00:00:00Z";
constexpr const char* kReplayFrom = "2025-02-03T00:00:00Z";
constexpr const char* kReplayTo = "2025-02-06T00:00:00Z";

// Waits for the URL line of `up` and returns the port (0 when it ended first).
int wait_for_url(BackgroundCommand& up) {
  const std::regex url(R"(listening on http://127\.0\.0\.1:(\d+))");
  std::smatch m;
  std::string out;
  wait_until(
      [&] {
        out = up.out();
        return std::regex_search(out, m, url) || up.finished();
      },
      std::chrono::minutes(3));
  return std::regex_search(out, m, url) ? std::stoi(m[1]) : 0;
}

std::string first_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

TEST(UpCommand, ServesTheApiAndTradesTheReplayThenStopsOnSigterm) {
  TestDatabase db;
  prepare_database(db, kHistoryFrom, kReplayFrom, "m_up", true);
  const auto lines = real_bar_lines(kReplayFrom, kReplayTo);
  ASSERT_GT(lines.size(), 100u);
  const auto dir = test_fixture::fresh_dir("up_command");
  const auto replay = write_replay_file(dir / "replay.csv", lines);
  const auto token_file = dir / "secret" / "admin.token";
  const std::map<std::string, std::string> env{{"DATABASE_URL", db.url()},
                                               {"USDCOP_OWNER_URL", db.owner_url()}};
  BackgroundCommand up({"up", "--port", "0", "--replay", replay.string(), "--speed", "max",
                        "--tick", "1", "--admin-token-file", token_file.string()},
                       env);
  const int port = wait_for_url(up);
  ASSERT_GT(port, 0) << up.out() << up.err();

  // The token: printed once, in a 0600 file.
  const std::string token = first_line(token_file);
  ASSERT_EQ(token.rfind("usdcop_", 0), 0u) << up.out();
  EXPECT_NE(up.out().find(token), std::string::npos) << up.out();
  struct stat st {};
  ASSERT_EQ(::stat(token_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);
  const auto health = client.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  const auto me = client.Get("/api/v1/me", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(me);
  ASSERT_EQ(me->status, 200) << me->body;
  EXPECT_EQ(nlohmann::json::parse(me->body)["role"], "admin") << me->body;

  // Every replayed bar handled by L5 (one equity snapshot each), production decisions made.
  const long bars = static_cast<long>(lines.size());
  EXPECT_TRUE(wait_until(
      [&] {
        return count(db, "SELECT count(*) FROM trading.equity_snapshots WHERE time >= '" +
                             std::string(kReplayFrom) + "'") >= bars;
      },
      std::chrono::minutes(5)))
      << up.out() << up.err();
  EXPECT_GT(count(db,
                  "SELECT count(*) FROM trading.model_inferences WHERE model_id = 'm_up' AND "
                  "role = 'production'"),
            0);
  const auto status =
      client.Get("/api/v1/operations/status", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200) << status->body;

  up.signal(SIGTERM);
  EXPECT_EQ(up.wait(), 0) << up.out() << up.err();
  EXPECT_NE(up.out().find("usdcop up: stopped"), std::string::npos) << up.out();

  // A later run: no new token, only where it is; SIGINT stops it too.
  BackgroundCommand again({"up", "--port", "0", "--admin-token-file", token_file.string()}, env);
  ASSERT_GT(wait_for_url(again), 0) << again.out() << again.err();
  EXPECT_EQ(again.out().find(token), std::string::npos) << again.out();
  EXPECT_NE(again.out().find("admin token: in " + token_file.string()), std::string::npos)
      << again.out();
  again.signal(SIGINT);
  EXPECT_EQ(again.wait(), 0) << again.out() << again.err();
  EXPECT_EQ(first_line(token_file), token);
}

TEST(UpCommand, OnAFreshDatabaseMigratesBootstrapsAndServesWhileTheEngineWaitsForAModel) {
  TestDatabase db(2, /*migrate=*/false);  // nothing applied: `up` migrates as the owner
  const auto token_file = test_fixture::fresh_dir("up_fresh") / "admin.token";
  BackgroundCommand up({"up", "--port", "0", "--admin-token-file", token_file.string()},
                       {{"DATABASE_URL", db.app_url()}, {"USDCOP_OWNER_URL", db.owner_url()}});
  const int port = wait_for_url(up);
  ASSERT_GT(port, 0) << up.out() << up.err();
  const std::string token = first_line(token_file);
  ASSERT_EQ(token.rfind("usdcop_", 0), 0u) << up.out();
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);
  const auto ready = client.Get("/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(nlohmann::json::parse(ready->body)["checks"]["migrations"], "ok") << ready->body;
  const auto models = client.Get("/api/v1/models", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 200) << models->body;
  EXPECT_TRUE(
      wait_until([&] { return up.err().find("the engine is waiting") != std::string::npos; },
                 std::chrono::minutes(1)))
      << up.err();
  up.signal(SIGTERM);
  EXPECT_EQ(up.wait(), 0) << up.out() << up.err();
}

// The replay phase of `up` leads like a live engine (issue 13): GET /engine/status shows the
// leader alive while the replay still runs (before "replay done").
TEST(UpCommand, TheReplayPhaseHoldsTheLeaderLock) {
  TestDatabase db;
  prepare_database(db, kHistoryFrom, kReplayFrom, "m_up_lead", true);
  const auto lines = real_bar_lines(kReplayFrom, kReplayTo);
  const auto dir = test_fixture::fresh_dir("up_leader");
  const auto replay = write_replay_file(dir / "replay.csv", lines);
  const auto token_file = dir / "admin.token";
  // 300 simulated seconds a row at speed 600: the replay lasts minutes.
  BackgroundCommand up({"up", "--port", "0", "--replay", replay.string(), "--speed", "600",
                        "--admin-token-file", token_file.string()},
                       {{"DATABASE_URL", db.url()}, {"USDCOP_OWNER_URL", db.owner_url()}});
  const int port = wait_for_url(up);
  ASSERT_GT(port, 0) << up.out() << up.err();
  const std::string token = first_line(token_file);
  ASSERT_TRUE(
      wait_until([&] { return count(db, "SELECT count(*) FROM trading.equity_snapshots") >= 2; },
                 std::chrono::minutes(2)))
      << up.err();
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);
  const auto status = client.Get("/api/v1/engine/status", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(status);
  ASSERT_EQ(status->status, 200) << status->body;
  const auto j = nlohmann::json::parse(status->body);
  EXPECT_EQ(j["leader"]["alive"], true) << status->body;
  EXPECT_EQ(j["leader"]["epoch"], 1) << status->body;
  EXPECT_EQ(up.out().find("replay done"), std::string::npos) << up.out();
  up.signal(SIGTERM);
  EXPECT_EQ(up.wait(), 0) << up.out() << up.err();
}
