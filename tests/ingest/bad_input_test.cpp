// Bad input: one reject per bad row with a clear reason, good rows imported, documented exit
// status.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "support/test_database.hpp"
#include "support/test_paths.hpp"

using namespace usdcop;

namespace {
std::filesystem::path write_file(const std::string& name, const std::string& content) {
  const auto p = std::filesystem::temp_directory_path() / name;
  std::ofstream(p) << content;
  return p;
}
}  // namespace

TEST(BadInput, EachBadRowIsOneRejectAndGoodRowsImport) {
  usdcop::testing::TestDatabase db;
  const auto csv =
      write_file("usdcop_bad_input.csv",
                 "time,open,high,low,close,volume\n"
                 "2024-01-02T13:00:00Z,3900,3905,3899,3901,0\n"
                 "2024-01-02T13:05:00Z,3901,3906\n"              // malformed line
                 "2024-01-02T13:10:00Z,nan,3906,3900,3902,0\n"   // non-finite price
                 "2024-01-02T13:15:00Z,3901,3899,3905,3902,0\n"  // high < low
                 "2024-01-02T13:17:00Z,3901,3906,3900,3902,0\n"  // misaligned
                 "2024-01-02T13:20:00Z,3902,3907,3901,3903,0\n"
                 "2024-01-02T13:20:00Z,3902,3907,3901,3904,0\n"  // duplicate, different values
                 "2024-01-02T13:25:00Z,3903,3908,3902,3904,0\n");
  const auto r = usdcop::testing::run_usdcop("ingest csv --json " + csv.string(),
                                             "DATABASE_URL='" + db.url() + "'");
  ASSERT_EQ(r.status, 3) << r.err;  // 3: imported, with rejects (docs/CLI.md)
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["inserted"], 3);
  EXPECT_EQ(j["rejected"], 5);
  EXPECT_EQ(j["rejected_by_reason"]["malformed"], 1);
  EXPECT_EQ(j["rejected_by_reason"]["non_finite"], 1);
  EXPECT_EQ(j["rejected_by_reason"]["inconsistent_ohlc"], 1);
  EXPECT_EQ(j["rejected_by_reason"]["misaligned"], 1);
  EXPECT_EQ(j["rejected_by_reason"]["conflict"], 1);

  auto conn = db.pool().acquire();
  pqxx::nontransaction tx(*conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM market.usdcop_m5_ohlcv")[0].as<int>(), 3);
  const auto rows =
      tx.exec("SELECT line, reason, detail, raw FROM market.rejected_bars ORDER BY line");
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0][0].as<int>(), 3);
  EXPECT_EQ(rows[0][3].as<std::string>(), "2024-01-02T13:05:00Z,3901,3906");  // raw kept
  EXPECT_NE(rows[2][2].as<std::string>().find("high"), std::string::npos);    // names the field
  EXPECT_NE(rows[4][2].as<std::string>().find("line 7"),
            std::string::npos);  // names the first line
  std::filesystem::remove(csv);
}

TEST(BadInput, ConflictWithStoredBarNeedsReplace) {
  usdcop::testing::TestDatabase db;
  const std::string env = "DATABASE_URL='" + db.url() + "'";
  const auto a = write_file("usdcop_conflict_a.csv",
                            "time,open,high,low,close\n2024-01-02T13:00:00Z,1,2,1,2\n");
  const auto b = write_file("usdcop_conflict_b.csv",
                            "time,open,high,low,close\n2024-01-02T13:00:00Z,1,3,1,3\n");
  ASSERT_EQ(usdcop::testing::run_usdcop("ingest csv " + a.string(), env).status, 0);
  auto r = usdcop::testing::run_usdcop("ingest csv --json " + b.string(), env);
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(nlohmann::json::parse(r.out)["rejected_by_reason"]["conflict"], 1);
  r = usdcop::testing::run_usdcop("ingest csv --replace --json " + b.string(), env);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["replaced"], 1);
  auto conn = db.pool().acquire();
  pqxx::nontransaction tx(*conn);
  EXPECT_EQ(tx.exec1("SELECT close FROM market.usdcop_m5_ohlcv")[0].as<double>(), 3.0);
}

TEST(BadInput, MissingColumnAndMissingFileAreUsageErrors) {
  usdcop::testing::TestDatabase db;
  const std::string env = "DATABASE_URL='" + db.url() + "'";
  const auto f =
      write_file("usdcop_no_close.csv", "time,open,high,low\n2024-01-02T13:00:00Z,1,2,1\n");
  auto r = usdcop::testing::run_usdcop("ingest csv " + f.string(), env);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("close"), std::string::npos) << r.err;
  r = usdcop::testing::run_usdcop("ingest csv /nonexistent/file.csv", env);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
}
