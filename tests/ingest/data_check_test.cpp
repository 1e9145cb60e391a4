// usdcop data check on the real data, through the CLI.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_database.hpp"
#include "support/test_paths.hpp"

using namespace usdcop;

TEST(DataCheck, RealDataReportAndCoverageThreshold) {
  usdcop::testing::TestDatabase db;
  const std::string env = "DATABASE_URL='" + db.url() + "'";
  ASSERT_EQ(usdcop::testing::run_usdcop(
                "ingest csv " + usdcop::testing::shared_data("usdcop_m5_dev.csv.gz").string(), env)
                .status,
            0);
  ASSERT_EQ(
      usdcop::testing::run_usdcop(
          "ingest macro-csv " + usdcop::testing::shared_data("macro_daily_dev.csv.gz").string(),
          env)
          .status,
      0);

  auto r = usdcop::testing::run_usdcop("data check --from 2024-01-01 --to 2024-07-01 --json", env);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_GT(j["expected_bars"].get<long>(), 7000);
  EXPECT_GT(j["coverage"].get<double>(), 0.9);
  EXPECT_EQ(r.status, j["passed"].get<bool>() ? 0 : 3);
  EXPECT_GT(j["days_missing_bars"].size(), 0u);  // the real data has short days
  EXPECT_GT(j["holiday_bars"].get<long>(), 0);
  bool dxy_fresh = false;
  for (const auto& m : j["macro"]) {
    if (m["variable"] == "dxy") dxy_fresh = !m["stale"].get<bool>();
  }
  EXPECT_TRUE(dxy_fresh);

  // 2020-2022 bars are close-only: the report says so.
  r = usdcop::testing::run_usdcop("data check --from 2021-01-01 --to 2021-07-01 --json", env);
  EXPECT_GT(nlohmann::json::parse(r.out)["flat_share"].get<double>(), 0.9);

  // A window without data fails the coverage threshold with exit status 3.
  r = usdcop::testing::run_usdcop("data check --from 2026-01-01 --to 2026-02-01", env);
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.out.find("BELOW THRESHOLD"), std::string::npos);
  EXPECT_NE(r.out.find("STALE"), std::string::npos);
}
