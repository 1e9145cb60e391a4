// Issue 11: what a fault or a bad file used to break in ingestion (items 1, 5, 6, 7, 8; item 9
// is in concurrent_import_test.cpp).
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "lock_probes.hpp"
#include "market/macro_store.hpp"
#include "store/pg_macro_store.hpp"
#include "support/background_command.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

using namespace usdcop;
using usdcop::testing::run_usdcop;

namespace {

std::filesystem::path write_file(const std::string& name, const std::string& content) {
  const auto p = std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "_" + name);
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

using usdcop::testing::scalar;
using usdcop::testing::waiting_on;

}  // namespace

// Item 1: a file's bars, rejects and flags commit together. The import is held just before it
// records its flags (the test locks market.bar_flags) and killed there: nothing of it stays.
TEST(IngestReliability, KillBeforeTheFlagsLeavesNoBars) {
  usdcop::testing::TestDatabase db;
  const auto csv = write_file("atomic.csv",
                              "time,open,high,low,close\n"
                              "2024-12-31T13:00:00Z,4400,4401,4399,4400\n"
                              "2025-01-01T13:00:00Z,4400,4401,4399,4400\n"  // holiday: flagged
                              "2025-01-02T13:00:00Z,4400,4401,4399,4400\n"
                              "2025-01-02T13:05:00Z,bad,4401,4399,4400\n");  // a reject
  auto blocker_conn = db.pool().acquire();
  {
    pqxx::work blocker(*blocker_conn);
    blocker.exec("LOCK TABLE market.bar_flags IN ACCESS EXCLUSIVE MODE");
    usdcop::testing::BackgroundCommand ingest({"ingest", "csv", csv.string()},
                                              {{"DATABASE_URL", db.url()}});
    ASSERT_TRUE(usdcop::testing::wait_until(
        [&] { return scalar(db, waiting_on("bar_flags")) > 0 || ingest.finished(); },
        std::chrono::seconds(60)))
        << "the import never reached its flags";
    ASSERT_FALSE(ingest.finished()) << ingest.err();
    ingest.signal(SIGKILL);
    EXPECT_EQ(ingest.wait(), 128 + SIGKILL);
    blocker.abort();
  }
  // The server ends the dead client's transaction: no bars, no rejects, no flags.
  ASSERT_TRUE(usdcop::testing::wait_until(
      [&] {
        return scalar(db,
                      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                      "AND pid <> pg_backend_pid() AND state <> 'idle'") == 0;
      },
      std::chrono::seconds(60)));
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM market.usdcop_m5_ohlcv"), 0);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM market.rejected_bars"), 0);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM market.bar_flags"), 0);
  // A re-run imports everything, flags included.
  const auto r = run_usdcop("ingest csv --json " + csv.string(), "DATABASE_URL='" + db.url() + "'");
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM market.usdcop_m5_ohlcv"), 3);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM market.bar_flags WHERE rule = 'holiday'"), 1);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM market.rejected_bars"), 1);
  std::filesystem::remove(csv);
}

// Item 5: implausible and future times are rejected; features build keeps working.
TEST(IngestReliability, ImplausibleAndFutureTimesAreRejected) {
  usdcop::testing::TestDatabase db;
  const std::string env = "DATABASE_URL='" + db.url() + "'";
  const auto csv = write_file("times.csv",
                              "time,open,high,low,close\n"
                              "0001-01-01T13:00:00Z,1,1,1,1\n"
                              "1600-03-01T13:00:00Z,1,1,1,1\n"
                              "2024-01-02T13:00:00Z,4000,4000,4000,4000\n"
                              "2300-01-02T13:00:00Z,1,1,1,1\n"
                              "9999-12-31T13:00:00Z,1,1,1,1\n");
  auto r = run_usdcop("ingest csv --json " + csv.string(), env);
  ASSERT_EQ(r.status, 3) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["inserted"], 1);
  EXPECT_EQ(j["rejected_by_reason"]["implausible_time"], 2);
  EXPECT_EQ(j["rejected_by_reason"]["future_bar"], 2);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM market.usdcop_m5_ohlcv WHERE time > now()"), 0);
  r = run_usdcop("features build --json", env);
  EXPECT_EQ(r.status, 0) << r.err;
  std::filesystem::remove(csv);
}

// Item 6: re-importing the same file does not append its rejects again.
TEST(IngestReliability, ReimportDoesNotRepeatRejects) {
  usdcop::testing::TestDatabase db;
  const std::string env = "DATABASE_URL='" + db.url() + "'";
  std::string text = "time,open,high,low,close\n2024-01-02T13:00:00Z,1,2,1,2\n";
  for (int i = 0; i < 12; ++i) text += "2024-01-02T13:" + std::to_string(10 + i) + ":00Z,x,2,1,2\n";
  const auto csv = write_file("reimport.csv", text);
  for (int round = 0; round < 3; ++round) {
    const auto r = run_usdcop("ingest csv --json " + csv.string(), env);
    ASSERT_EQ(r.status, 3) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["rejected"], 12);
    EXPECT_EQ(j["rejects_recorded"], round == 0 ? 12 : 0);
    EXPECT_EQ(j["changed_nothing"], round > 0);
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM market.rejected_bars"), 12) << "round " << round;
  }
  std::filesystem::remove(csv);
}

// Item 7: the macro header strips a BOM; a directory is named as such; rows read count every
// data line.
TEST(IngestReliability, CsvEdgeCasesThroughTheCli) {
  usdcop::testing::TestDatabase db;
  const std::string env = "DATABASE_URL='" + db.url() + "'";
  const auto macro =
      write_file("bom_macro.csv",
                 "\xEF\xBB\xBF"
                 "fecha,fxrt_index_dxy_usa_d_dxy\n2024-01-02,101.5\n2024-01-03,101.7\n");
  auto r = run_usdcop("ingest macro-csv --json " + macro.string(), env);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM market.macro_observations WHERE variable = 'dxy'"), 2);

  const auto dir =
      std::filesystem::temp_directory_path() / ("usdcop_dir_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  r = run_usdcop("ingest csv " + dir.string(), env);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
  std::filesystem::remove(dir);

  const auto cr = write_file(
      "cr.csv", "time,open,high,low,close\r2024-01-02T13:00:00Z,1,2,1,2\r2024-01-02T13:05:00Z,1\r");
  r = run_usdcop("ingest csv --json " + cr.string(), env);
  EXPECT_EQ(r.status, 3) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["rows_read"], 2);
  EXPECT_EQ(j["inserted"], 1);
  std::filesystem::remove(macro);
  std::filesystem::remove(cr);
}

// Item 8: a full disk while writing output is a dependency failure (4) with the cause.
TEST(IngestReliability, FullDiskExitsFourWithTheCause) {
  usdcop::testing::TestDatabase db;
  const auto r = run_usdcop("features export --from 2024-01-01 --to 2024-02-01 --out /dev/full",
                            "DATABASE_URL='" + db.url() + "'");
  EXPECT_EQ(r.status, 4) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
}
