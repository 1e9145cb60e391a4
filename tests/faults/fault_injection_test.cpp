// Fault injection on the real bars (issue 11). Every case starts its own PostgreSQL cluster
// under a private USDCOP_HOME, breaks a command (kill -9 at several points, a database stop
// mid-command, a concurrent import), lets the user re-run it, and compares the final tables
// with a clean run into a second database of the same cluster: bars, flags and rejects by
// checksum, features by the hash of `usdcop features export`.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <zlib.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <pqxx/pqxx>
#include <thread>

#include "core/sha256.hpp"
#include "support/background_command.hpp"
#include "support/test_paths.hpp"

using namespace usdcop;
namespace fs = std::filesystem;
using usdcop::testing::BackgroundCommand;
using usdcop::testing::wait_until;
using namespace std::chrono_literals;

namespace {

// A managed cluster of its own: USDCOP_HOME in a temporary directory, fsync off.
class PrivateCluster {
 public:
  PrivateCluster() {
    home_ = fs::temp_directory_path() / ("usdcop_faults_" + std::to_string(::getpid()));
    fs::remove_all(home_);
    fs::create_directories(home_);
    const auto r = run("db start --fresh");
    if (r.status != 0) throw std::runtime_error("db start failed: " + r.err);
    exec("usdcop", "CREATE DATABASE clean");
    // The clean database is migrated by the owner like the managed one (commands refuse a
    // schema that is behind).
    const auto m = run("db migrate", "clean");
    if (m.status != 0) throw std::runtime_error("db migrate (clean) failed: " + m.err);
  }
  ~PrivateCluster() {
    run("db stop");
    std::error_code ec;
    fs::remove_all(home_, ec);
  }
  // The usdcop binary on the managed cluster ("usdcop" database) or, with db = "clean", on the
  // clean database of the same cluster.
  usdcop::testing::CommandResult run(const std::string& args,
                                     const std::string& db = "usdcop") const {
    return usdcop::testing::run_usdcop(args, "env -u DATABASE_URL " + env_text(db));
  }
  std::unique_ptr<BackgroundCommand> start(const std::vector<std::string>& args) const {
    return std::make_unique<BackgroundCommand>(args, env_map("usdcop"));
  }
  // As the owner (checksums and setup) or as the application role (what commands use).
  std::string url(const std::string& db, const char* role = "usdcop") const {
    return "postgresql:///" + db + "?host=" + (home_ / "pg/run").string() +
           "&port=5439&user=" + role + "&passfile=" + (home_ / "pgpass").string();
  }
  std::string exec(const std::string& db, const std::string& sql) const {
    pqxx::connection c(url(db));
    pqxx::nontransaction tx(c);
    const auto r = tx.exec(sql);
    return r.empty() || r[0][0].is_null() ? std::string() : std::string(r[0][0].c_str());
  }
  // Checksums of everything an import writes.
  std::string market_tables(const std::string& db) const {
    return exec(db,
                "SELECT (SELECT count(*) || ':' || md5(string_agg(concat_ws('|', time, open, high, "
                "low, close, "
                "volume, source), ',' ORDER BY time)) FROM market.usdcop_m5_ohlcv) || ' flags ' || "
                "(SELECT count(*) || ':' || coalesce(md5(string_agg(concat_ws('|', time, rule, "
                "value, detail), ',' "
                "ORDER BY time, rule)), '') FROM market.bar_flags) || ' rejects ' || "
                "(SELECT count(*) || ':' || coalesce(md5(string_agg(concat_ws('|', source, line, "
                "reason, raw), ',' "
                "ORDER BY source, line, reason)), '') FROM market.rejected_bars) || ' macro ' || "
                "(SELECT count(*) || ':' || coalesce(md5(string_agg(concat_ws('|', variable, "
                "observation_date, value), "
                "',' ORDER BY variable, observation_date)), '') FROM market.macro_observations)");
  }
  // sha256 of the features export over all the data.
  std::string features_hash(const std::string& db) const {
    const auto r = run("features export --from 2019-01-01 --to 2026-01-01", db);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_GT(r.out.size(), 1000u);
    return sha256_hex(r.out);
  }

 private:
  std::map<std::string, std::string> env_map(const std::string& db) const {
    std::map<std::string, std::string> e{{"USDCOP_HOME", home_.string()}, {"USDCOP_PG_FAST", "1"}};
    if (db != "usdcop") {
      e["DATABASE_URL"] = url(db, "usdcop_app");
      e["USDCOP_OWNER_URL"] = url(db);
    }
    return e;
  }
  std::string env_text(const std::string& db) const {
    std::string s;
    for (const auto& [k, v] : env_map(db)) s += k + "='" + v + "' ";
    return s;
  }
  fs::path home_;
};

std::string bars_file() {
  return usdcop::testing::shared_data("usdcop_m5_dev.csv.gz").string();
}
std::string macro_file() {
  return usdcop::testing::shared_data("macro_daily_dev.csv.gz").string();
}

bool ok_or_partial(int status) {
  return status == 0 || status == 3;
}

// Kills `command` -9 after `delay` unless it ended before; returns whether it was killed.
bool kill_after(BackgroundCommand& command, std::chrono::milliseconds delay) {
  if (wait_until([&] { return command.finished(); }, delay)) return false;
  command.signal(SIGKILL);
  command.wait();
  return true;
}

// The bars file split into the rows of [from, to) (COT dates) and the rest, as two CSV files.
std::pair<fs::path, fs::path> split_bars(const fs::path& dir, const std::string& from,
                                         const std::string& to) {
  gzFile in = gzopen(bars_file().c_str(), "rb");
  std::string text;
  char buf[1 << 16];
  for (int n; (n = gzread(in, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  gzclose(in);
  std::string header, inside, outside;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos) + "\n";
    pos = end + 1;
    if (header.empty()) {
      header = line;
    } else if (line.compare(0, 10, from) >= 0 && line.compare(0, 10, to) < 0) {
      inside += line;
    } else {
      outside += line;
    }
  }
  const fs::path a = dir / "week.csv", b = dir / "rest.csv";
  std::ofstream(a) << header << inside;
  std::ofstream(b) << header << outside;
  return {a, b};
}

}  // namespace

// kill -9 of `ingest csv` at several points: each import is one transaction, so a killed import
// leaves nothing (or everything) and the re-run converges on the clean tables.
TEST(FaultInjection, KilledIngestLeavesAllOrNothingAndRerunEqualsCleanRun) {
  PrivateCluster cluster;
  ASSERT_TRUE(ok_or_partial(cluster.run("ingest csv " + bars_file(), "clean").status));
  const std::string clean = cluster.market_tables("clean");
  int killed = 0;
  for (const auto delay : {150ms, 400ms, 800ms, 1500ms}) {
    auto ingest = cluster.start({"ingest", "csv", bars_file()});
    killed += kill_after(*ingest, delay);
    const std::string bars = cluster.exec("usdcop", "SELECT count(*) FROM market.usdcop_m5_ohlcv");
    const std::string flags = cluster.exec("usdcop", "SELECT count(*) FROM market.bar_flags");
    EXPECT_TRUE((bars == "0" && flags == "0") || cluster.market_tables("usdcop") == clean)
        << "after a kill at " << delay.count() << " ms: " << bars << " bars, " << flags << " flags";
    cluster.exec("usdcop",
                 "TRUNCATE market.usdcop_m5_ohlcv, market.bar_flags, market.rejected_bars");
  }
  EXPECT_GT(killed, 0) << "every import finished before its kill: the points are too late";
  // A kill, then the user's re-run.
  auto ingest = cluster.start({"ingest", "csv", bars_file()});
  kill_after(*ingest, 300ms);
  ASSERT_TRUE(ok_or_partial(cluster.run("ingest csv " + bars_file()).status));
  EXPECT_EQ(cluster.market_tables("usdcop"), clean);
}

// kill -9 of `features build` at several points; the next build resumes or rebuilds and the
// export equals the clean run's.
TEST(FaultInjection, KilledFeaturesBuildsConvergeOnTheCleanExport) {
  PrivateCluster cluster;
  for (const std::string db : {"clean", "usdcop"}) {
    ASSERT_TRUE(ok_or_partial(cluster.run("ingest csv " + bars_file(), db).status));
    ASSERT_TRUE(ok_or_partial(cluster.run("ingest macro-csv " + macro_file(), db).status));
  }
  ASSERT_EQ(cluster.run("features build", "clean").status, 0);
  const std::string clean = cluster.features_hash("clean");
  int killed = 0;
  for (const auto delay : {300ms, 1000ms, 2000ms, 3500ms}) {
    auto build = cluster.start({"features", "build"});
    killed += kill_after(*build, delay);
  }
  EXPECT_GT(killed, 0) << "every build finished before its kill: the points are too late";
  const auto r = cluster.run("features build --json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(cluster.features_hash("usdcop"), clean);
}

// The database stops in the middle of an import and of a features build: the command exits 4
// naming the cause; after a restart the re-runs equal the clean run.
TEST(FaultInjection, DatabaseStopMidCommandExitsFourAndRerunEqualsCleanRun) {
  PrivateCluster cluster;
  ASSERT_TRUE(ok_or_partial(cluster.run("ingest csv " + bars_file(), "clean").status));
  ASSERT_TRUE(ok_or_partial(cluster.run("ingest macro-csv " + macro_file(), "clean").status));
  ASSERT_EQ(cluster.run("features build", "clean").status, 0);
  const std::string clean_tables = cluster.market_tables("clean");
  const std::string clean_features = cluster.features_hash("clean");

  // Deterministic: the command is held on a table lock (taken by this test) and the database
  // stops while it waits; then, at a point chosen by time.
  struct Case {
    std::vector<std::string> args;
    std::string blocked_table;  // "" = stop after a delay instead
    std::chrono::milliseconds delay;
  };
  const std::vector<Case> cases{{{"ingest", "csv", bars_file()}, "market.bar_flags", 0ms},
                                {{"features", "build"}, "features.inference_features_5m", 0ms},
                                {{"ingest", "csv", bars_file()}, "", 400ms},
                                {{"features", "build", "--from", "2020-01-01"}, "", 1500ms}};
  int stopped_mid_command = 0;
  for (const auto& c : cases) {
    if (c.args[0] == "features") {
      ASSERT_TRUE(ok_or_partial(cluster.run("ingest csv " + bars_file()).status));
      ASSERT_TRUE(ok_or_partial(cluster.run("ingest macro-csv " + macro_file()).status));
    }
    std::unique_ptr<pqxx::connection> blocker_conn;
    std::unique_ptr<pqxx::work> blocker;
    if (!c.blocked_table.empty()) {
      blocker_conn = std::make_unique<pqxx::connection>(cluster.url("usdcop"));
      blocker = std::make_unique<pqxx::work>(*blocker_conn);
      blocker->exec("LOCK TABLE " + c.blocked_table + " IN ACCESS EXCLUSIVE MODE");
    }
    auto command = cluster.start(c.args);
    if (blocker) {
      const std::string relname = c.blocked_table.substr(c.blocked_table.find('.') + 1);
      ASSERT_TRUE(wait_until(
          [&] {
            return command->finished() ||
                   cluster.exec("usdcop",
                                "SELECT count(*) FROM pg_locks l JOIN pg_class r ON r.oid = "
                                "l.relation WHERE NOT l.granted AND r.relname = '" +
                                    relname + "'") != "0";
          },
          60s));
      ASSERT_FALSE(command->finished()) << command->err();
    } else {
      std::this_thread::sleep_for(c.delay);
    }
    const bool was_running = !command->finished();
    ASSERT_EQ(cluster.run("db stop").status, 0);
    const int status = command->wait();
    try {
      blocker.reset();  // its session was terminated by the stop
    } catch (const std::exception&) {
    }
    blocker_conn.reset();
    if (!c.blocked_table.empty()) {
      EXPECT_EQ(status, 4) << c.args[0] << ": " << command->err();
    }
    if (was_running && status != 0 && status != 3) {
      ++stopped_mid_command;
      EXPECT_EQ(status, 4) << c.args[0] << ": " << command->err();
      EXPECT_NE(command->err().find("database"), std::string::npos) << command->err();
      EXPECT_EQ(command->err().find("internal error"), std::string::npos) << command->err();
    }
    ASSERT_EQ(cluster.run("db start").status, 0);
    if (c.blocked_table == "market.bar_flags") {
      // One transaction: the stopped import left no bars, rejects or flags behind.
      EXPECT_EQ(cluster.exec("usdcop", "SELECT count(*) FROM market.usdcop_m5_ohlcv"), "0");
      EXPECT_EQ(cluster.exec("usdcop", "SELECT count(*) FROM market.bar_flags"), "0");
    }
  }
  EXPECT_GE(stopped_mid_command, 2) << "the database never stopped mid-command";
  ASSERT_TRUE(ok_or_partial(cluster.run("ingest csv " + bars_file()).status));
  ASSERT_EQ(cluster.run("features build").status, 0);
  EXPECT_EQ(cluster.market_tables("usdcop"), clean_tables);
  EXPECT_EQ(cluster.features_hash("usdcop"), clean_features);
}

// An earlier week is imported while `features build` runs over the rest: the next build
// notices it (stale checkpoint, issue 13 item 1) and the export equals the clean run's.
TEST(FaultInjection, EarlierWeekImportedDuringFeaturesBuildIsBuiltNextTime) {
  PrivateCluster cluster;
  const fs::path dir =
      fs::temp_directory_path() / ("usdcop_faults_files_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto [week, rest] = split_bars(dir, "2021-03-08", "2021-03-13");
  for (const std::string db : {"clean", "usdcop"})
    ASSERT_TRUE(ok_or_partial(cluster.run("ingest macro-csv " + macro_file(), db).status));
  ASSERT_TRUE(ok_or_partial(cluster.run("ingest csv " + bars_file(), "clean").status));
  ASSERT_EQ(cluster.run("features build", "clean").status, 0);
  const std::string clean = cluster.features_hash("clean");

  ASSERT_TRUE(ok_or_partial(cluster.run("ingest csv " + rest.string()).status));
  for (const auto delay : {100ms, 600ms}) {
    auto build = cluster.start({"features", "build"});
    std::this_thread::sleep_for(delay);
    const auto r = cluster.run("ingest csv " + week.string());
    EXPECT_TRUE(ok_or_partial(r.status)) << r.err;
    EXPECT_EQ(build->wait(), 0) << build->err();
    // The user's next build.
    ASSERT_EQ(cluster.run("features build").status, 0);
    EXPECT_EQ(cluster.features_hash("usdcop"), clean)
        << "import " << delay.count() << " ms into the build";
    // Take the week out again for the next timing (a rebuild from scratch follows).
    cluster.exec(
        "usdcop",
        "DELETE FROM market.usdcop_m5_ohlcv WHERE time >= '2021-03-08 05:00+00' AND time < "
        "'2021-03-13 "
        "05:00+00'; DELETE FROM market.bar_flags WHERE time >= '2021-03-08 05:00+00' AND time < "
        "'2021-03-13 05:00+00'");
    ASSERT_EQ(cluster.run("features build").status, 0);
  }
  fs::remove_all(dir);
}
