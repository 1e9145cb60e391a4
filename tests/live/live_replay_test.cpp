// Acceptance of the live engine through the CLI on real bars (issue 13): replay parity with
// `usdcop backtest`, crash safety across kill -9, bad replay input.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <map>
#include <sstream>

#include "live_fixture.hpp"
#include "live_parity.hpp"
#include "support/background_command.hpp"

using namespace usdcop;
using namespace usdcop::live_testing;
using usdcop::testing::run_usdcop;
using usdcop::testing::TestDatabase;

namespace {

// Four weeks of real bars replayed after a month of stored history.
constexpr const char* kHistoryFrom = "2025-01-02T00:00:00Z";
constexpr const char* kReplayFrom = "2025-02-03T00:00:00Z";
constexpr const char* kReplayTo = "2025-03-01T00:00:00Z";

}  // namespace

TEST(LiveReplay, ReplayOfRealBarsGivesTheBacktestsFillsPositionsAndEquity) {
  TestDatabase db;
  prepare_database(db, kHistoryFrom, kReplayFrom, "m_live", true);
  // A staging model decides in shadow beside production (no orders).
  const auto shadow_dir =
      test_fixture::write_run_dir(test_fixture::fresh_dir("live_shadow"), "run_live_shadow", 3);
  test_fixture::register_model(db.pool(), "m_live_shadow", 2, shadow_dir);
  sql(db, "UPDATE ml.model_registry SET status = 'staging' WHERE model_id = 'm_live_shadow'");
  const auto lines = real_bar_lines(kReplayFrom, kReplayTo);
  ASSERT_GT(lines.size(), 900u);
  const auto file = write_replay_file(test_fixture::fresh_dir("live_parity") / "replay.csv", lines);
  const auto r = run_usdcop(
      "engine --replay '" + file.string() + "' --speed max --no-monitor --json", env_for(db));
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["replay"]["inserted"], static_cast<long>(lines.size()));
  EXPECT_EQ(j["replay"]["rejected"], 0);
  EXPECT_EQ(j["decisions"], static_cast<long>(lines.size()));
  std::cout << "replay of " << lines.size() << " bars: " << j["bars_per_second"] << " bars/s, "
            << j["seconds"] << " s in all, " << j["engine_seconds"] << " s in the engine\n";
  expect_one_row_per_bar(db, static_cast<long>(lines.size()), "m_live", kReplayFrom, kReplayTo);
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM trading.model_inferences WHERE role = 'shadow' AND "
                  "model_id = 'm_live_shadow'"),
            count(db,
                  "SELECT count(*) FROM features.inference_features_5m WHERE complete AND "
                  "time >= '" +
                      std::string(kReplayFrom) + "'"));
  EXPECT_EQ(count(db, "SELECT count(*) FROM trading.orders WHERE model_id = 'm_live_shadow'"), 0);
  expect_parity_with_backtest(db, "m_live", kReplayFrom, kReplayTo);
}

TEST(LiveReplay, KillNineMidReplayThenRestartLosesAndDuplicatesNothing) {
  TestDatabase db;
  prepare_database(db, kHistoryFrom, kReplayFrom, "m_crash", true);
  const auto lines = real_bar_lines(kReplayFrom, kReplayTo);
  const auto file = write_replay_file(test_fixture::fresh_dir("live_crash") / "replay.csv", lines);
  {
    usdcop::testing::BackgroundCommand engine(
        {"engine", "--replay", file.string(), "--speed", "max", "--no-monitor"},
        {{"DATABASE_URL", db.url()}, {"USDCOP_HOME", std::getenv("USDCOP_HOME")}});
    ASSERT_TRUE(usdcop::testing::wait_until(
        [&] { return count(db, "SELECT count(*) FROM trading.equity_snapshots") >= 300; },
        std::chrono::minutes(5)))
        << engine.err();
    engine.signal(SIGKILL);
    EXPECT_EQ(engine.wait(), 128 + SIGKILL);
  }
  const long before = count(db, "SELECT count(*) FROM trading.equity_snapshots");
  EXPECT_LT(before, static_cast<long>(lines.size())) << "the replay ended before the kill";
  const auto r = run_usdcop(
      "engine --replay '" + file.string() + "' --speed max --no-monitor --json", env_for(db));
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["replay"]["rejected"], 0);      // re-sent bars are identical, not out of order
  EXPECT_GT(j["l5_batches"].get<long>(), 0);  // the full-speed replay decides in batches
  expect_one_row_per_bar(db, static_cast<long>(lines.size()), "m_crash", kReplayFrom, kReplayTo);
  expect_parity_with_backtest(db, "m_crash", kReplayFrom, kReplayTo);
}

namespace {

// `flags`: with the monitor each row is imported alone; without it rows go in chunks (docs/
// LIVE.md "Performance"): the same rejections either way.
void expect_bad_rows_rejected(const std::string& flags) {
  TestDatabase db;
  prepare_database(db, kHistoryFrom, kReplayFrom, "m_bad", true);
  auto lines = real_bar_lines(kReplayFrom, "2025-02-05T00:00:00Z");
  ASSERT_GT(lines.size(), 100u);
  std::vector<std::string> bad;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i != 5) bad.push_back(lines[i]);  // bar 5 comes late
    if (i == 10) bad.push_back("2025-02-03T13:55:00Z,4200.5,not-a-number,4190,4195,0");
    if (i == 20) bad.push_back(lines[5]);   // older than the watermark, never stored: out of order
    if (i == 30) bad.push_back(lines[30]);  // exact duplicate
    if (i == 40) bad.push_back(lines[40].substr(0, 21) + "1,1,1,1,0");  // same time, other values
    if (i == 50) bad.push_back("2025-02-04T02:00:00Z,4200,4201,4199,4200,0");  // out of session
    if (i == 60) bad.push_back("2025-02-04T15:00:00Z,4200,4201");              // too few fields
  }
  const auto file = write_replay_file(test_fixture::fresh_dir("live_bad") / "replay.csv", bad);
  const auto r = run_usdcop("engine --replay '" + file.string() + "' --speed max --json " + flags,
                            env_for(db));
  ASSERT_EQ(r.status, 3) << r.err << r.out;  // like ingest csv: rows were rejected
  const auto j = nlohmann::json::parse(r.out);
  const auto& by = j["replay"]["rejected_by_reason"];
  EXPECT_EQ(by.value("malformed", 0), 2) << j.dump();
  EXPECT_EQ(by.value("out_of_order", 0), 1) << j.dump();
  EXPECT_EQ(by.value("conflict", 0), 1) << j.dump();
  EXPECT_EQ(by.value("out_of_session", 0), 1) << j.dump();
  EXPECT_EQ(j["replay"]["inserted"], static_cast<long>(lines.size()) - 1);
  EXPECT_EQ(j["decisions"], static_cast<long>(lines.size()) - 1);
  EXPECT_EQ(
      count(db, "SELECT count(*) FROM market.rejected_bars WHERE source = 'replay:replay.csv'"), 5);
  EXPECT_EQ(count(db, "SELECT count(*) FROM market.rejected_bars WHERE reason = 'out_of_order'"),
            1);
  expect_one_row_per_bar(db, static_cast<long>(lines.size()) - 1, "m_bad", kReplayFrom, kReplayTo);
}

}  // namespace

TEST(LiveReplay, BadRowsAreRejectedAndTheEngineKeepsRunning) {
  expect_bad_rows_rejected("");
}

TEST(LiveReplay, BadRowsAreRejectedTheSameWhenRowsAreImportedInChunks) {
  expect_bad_rows_rejected("--no-monitor");
}

namespace {

// Two days of real bars with 25 minutes without a bar on the first day and 75 minutes on the
// second (simulated time).
std::filesystem::path stale_replay_file(const std::string& dir) {
  std::vector<std::string> lines;
  for (const auto& l : real_bar_lines(kReplayFrom, "2025-02-05T00:00:00Z")) {
    const std::string t = l.substr(0, 20);
    if (t >= "2025-02-03T13:30:00Z" && t <= "2025-02-03T13:45:00Z") continue;
    if (t >= "2025-02-04T14:00:00Z" && t <= "2025-02-04T15:10:00Z") continue;
    lines.push_back(l);
  }
  return write_replay_file(test_fixture::fresh_dir(dir) / "replay.csv", lines);
}

std::string text(TestDatabase& db, const std::string& query) {
  auto c = db.pool().acquire();
  pqxx::read_transaction tx(*c);
  const auto v = tx.exec1(query)[0];
  return v.is_null() ? "" : v.c_str();
}

// What the monitor did and what every bar was decided with, as text to compare two runs.
std::string monitor_and_decisions(TestDatabase& db) {
  return text(
             db,
             "SELECT string_agg(concat_ws(' ', action, details->>'at', (details->'values')::text), "
             "E'\\n' ORDER BY id) FROM system.audit_log WHERE actor "
             "= 'auto-monitor'") +
         "\n" +
         text(db,
              "SELECT string_agg(time::text || ' ' || mode || ' ' || equity::text, E'\\n' "
              "ORDER BY time) FROM trading.equity_snapshots") +
         "\n" +
         text(db,
              "SELECT string_agg(bar_time::text || ' ' || side || ' ' || quantity::text, E'\\n' "
              "ORDER BY bar_time, id) FROM trading.orders");
}

}  // namespace

TEST(LiveReplay, StaleDataInMarketTimePausesAt10MinutesAndKillsAt60WithTheCauseAudited) {
  TestDatabase db;
  prepare_database(db, kHistoryFrom, kReplayFrom, "m_stale", true);
  const auto file = stale_replay_file("live_stale");
  const auto r =
      run_usdcop("engine --replay '" + file.string() + "' --speed max --json", env_for(db));
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM system.audit_log WHERE action = 'operations.pause' "
                  "AND actor = 'auto-monitor' AND details->'values'->'blocking_features' ? 'bar "
                  "missing'"),
            1);
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM system.audit_log WHERE action = 'operations.kill' "
                  "AND actor = 'auto-monitor' AND details->'values'->'blocking_features' ? 'bar "
                  "missing'"),
            1);
  EXPECT_EQ(count(db, "SELECT count(*) FROM trading.operations_state WHERE mode = 'KILLED'"), 1);
  // Paused from the bar after the first gap, killed from the bar after the second.
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM trading.equity_snapshots WHERE mode = 'NORMAL' AND "
                  "time >= '2025-02-03T13:50:00Z'"),
            0);
  EXPECT_EQ(
      count(db,
            "SELECT min(extract(epoch FROM time))::bigint FROM "
            "trading.equity_snapshots WHERE mode = 'KILLED'"),
      parse_timestamp_or_throw("2025-02-04T15:15:00Z", "t").time_since_epoch().count() / 1000000);
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM trading.orders o WHERE o.source = 'engine' AND "
                  "o.bar_time >= '2025-02-04T15:15:00Z'"),
            0);
}

namespace {

// Replays `file` with the monitor, one row at a time (`--batch 1`) and in chunks and batches
// (the default), each on a fresh database; returns the monitor's actions and every bar's mode,
// equity and orders of each run, and checks that the default run decided in batches.
std::map<std::string, std::string> replay_both_ways(const std::filesystem::path& file,
                                                    const std::string& model) {
  std::map<std::string, std::string> seen;
  for (const std::string batch : {"1", "256"}) {
    TestDatabase db;
    prepare_database(db, kHistoryFrom, kReplayFrom, model + "_" + batch, true);
    const auto r = run_usdcop(
        "engine --replay '" + file.string() + "' --speed max --json --batch " + batch, env_for(db));
    EXPECT_EQ(r.status, 0) << r.err << r.out;
    const auto j = nlohmann::json::parse(r.out);
    // Several bars per L5 transaction only when the catch-ups found several rows imported.
    if (batch == "1") {
      EXPECT_EQ(j["l5_batches"], 0) << j.dump();
    } else {
      EXPECT_GT(j["l5_batches"].get<long>(), 2) << j.dump();
    }
    seen[batch] = monitor_and_decisions(db);
  }
  return seen;
}

}  // namespace

// With the monitor, a full-speed replay imports rows in chunks and decides bars in batches
// (the monitor on the engine's clock, a batch ending before the bar it acts at), and the
// monitor pauses and kills at the very bars the one-row path does: the same audit rows, the
// same mode and equity for every bar, the same orders.
TEST(LiveReplay, WithTheMonitorBatchesActAtTheSameBarsAsOneRowAtATime) {
  auto seen = replay_both_ways(stale_replay_file("live_stale_batch"), "m_stale");
  EXPECT_EQ(seen["1"], seen["256"]);
  EXPECT_NE(seen["1"].find("operations.pause"), std::string::npos) << seen["1"];
  EXPECT_NE(seen["1"].find("operations.kill"), std::string::npos) << seen["1"];
}

// The same over four real weeks as they are (February 2025, where the monitor acts on its own).
TEST(LiveReplay, WithTheMonitorFourRealWeeksInBatchesMatchOneRowAtATime) {
  const auto file = write_replay_file(test_fixture::fresh_dir("live_month_batch") / "replay.csv",
                                      real_bar_lines(kReplayFrom, kReplayTo));
  auto seen = replay_both_ways(file, "m_month");
  EXPECT_EQ(seen["1"], seen["256"]);
  EXPECT_NE(seen["1"].find("operations."), std::string::npos) << seen["1"];
}
