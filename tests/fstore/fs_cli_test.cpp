// The fs and liquidity command groups end to end against a test database.
#include <gtest/gtest.h>

#include <unistd.h>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

using usdcop::testing::run_usdcop;
using usdcop::testing::TestDatabase;

namespace {
std::string env_for(const TestDatabase& db) {
  return "DATABASE_URL='" + db.url() + "'";
}
nlohmann::json json_of(const usdcop::testing::CommandResult& r) {
  return nlohmann::json::parse(r.out);
}
}  // namespace

TEST(FsCli, CatalogPublishLatestQueryQualityMaintain) {
  TestDatabase db(2);
  const auto env = env_for(db);
  auto r = run_usdcop("fs catalog apply --json", env);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_GE(json_of(r)["created"].get<int>(), 20);
  r = run_usdcop("fs catalog --tags gl --json", env);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json_of(r).size(), 3u);

  const auto file = std::filesystem::temp_directory_path() /
                    ("fs_points_" + std::to_string(::getpid()) + ".json");
  const auto now = usdcop::format_rfc3339(usdcop::now_utc() - std::chrono::minutes(10));
  std::ofstream(file) << nlohmann::json::array(
                             {{{"featureId", "cex/agg/perp_oi_usd"}, {"ts", now}, {"value", 3e10}},
                              {{"featureId", "nope/x"}, {"ts", now}, {"value", 1}}})
                             .dump();
  r = run_usdcop("fs publish " + file.string(), env);
  EXPECT_EQ(r.status, 3) << r.err;  // partial: one rejected
  EXPECT_EQ(json_of(r)["accepted"], 1);
  EXPECT_EQ(json_of(r)["errors"][0]["index"], 1);
  std::filesystem::remove(file);
  r = run_usdcop("fs latest cex/agg/perp_oi_usd", env);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json_of(r)["value"], 3e10);
  EXPECT_EQ(json_of(r)["stale"], false);
  r = run_usdcop("fs latest nope/x", env);
  EXPECT_EQ(r.status, 2) << r.out;  // not_found (docs/CLI.md)
  r = run_usdcop(
      "fs query --feature cex/agg/perp_oi_usd --since 2020-01-01 --agg max --interval 1d", env);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json_of(r)["features"][0]["buckets"].size(), 1u);
  r = run_usdcop("fs query --feature cex/agg/perp_oi_usd --agg sum", env);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("interval"), std::string::npos) << r.err;
  r = run_usdcop("fs quality --json", env);
  EXPECT_EQ(r.status, 3);  // most features have no data
  const auto export_dir =
      std::filesystem::temp_directory_path() / ("fs_cli_exp_" + std::to_string(::getpid()));
  r = run_usdcop("fs maintain --ahead 3 --export-dir " + export_dir.string() + " --json", env);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_GE(json_of(r)["partitions"].get<int>(), 4);
  std::filesystem::remove_all(export_dir);
}

TEST(LiquidityCli, SeedComputeShow) {
  TestDatabase db(2);
  const auto env = env_for(db);
  const auto end = usdcop::format_date(std::chrono::floor<std::chrono::days>(usdcop::now_utc()));
  auto r = run_usdcop("liquidity seed --days 900 --seed 3 --end " + end + " --json", env);
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_EQ(json_of(r)["rejected"], 0);
  r = run_usdcop("liquidity compute --to " + end + " --json", env);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto c = json_of(r);
  ASSERT_EQ(c["transitions"].size(), 7u);
  const std::vector<std::string> states{"YELLOW", "GREEN", "YELLOW", "RED",
                                        "YELLOW", "GREEN", "YELLOW"};
  for (std::size_t i = 0; i < states.size(); ++i)
    EXPECT_EQ(c["transitions"][i]["state"], states[i]);
  r = run_usdcop("liquidity show --json", env);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto s = json_of(r);
  EXPECT_EQ(s["latest"]["date"], end);
  EXPECT_EQ(s["latest"]["state"], "YELLOW");
  EXPECT_EQ(s["scoreboard"]["feeds"].size(), 9u);
  EXPECT_TRUE(s["hints"]["hints"].contains("directional"));
  r = run_usdcop("liquidity show", env);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("market_neutral"), std::string::npos);
}
