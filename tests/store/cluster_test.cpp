// The managed cluster as the CTest fixture started it (`usdcop db start --fresh`).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/pg_cluster.hpp"
#include "support/test_paths.hpp"

using namespace usdcop;

TEST(ManagedCluster, StatusReportsRunningWithTheCurrentSchema) {
  const auto r = usdcop::testing::run_usdcop("db status --json");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["running"].get<bool>());
  if (j["external"].get<bool>()) return;  // DATABASE_URL given: no managed cluster
  EXPECT_EQ(j["schema_version"].get<int>(), store::latest_known_version());
  EXPECT_EQ(j["data_dir"].get<std::string>(), store::PgCluster().data_dir().string());
  EXPECT_EQ(j["socket_dir"].get<std::string>(), store::PgCluster().socket_dir().string());
  EXPECT_EQ(j["url"].get<std::string>(), store::PgCluster().url());
  EXPECT_TRUE(j["pid"].is_number());
}

TEST(ManagedCluster, StartIsIdempotentAndMigrateHasNothingToDo) {
  auto r = usdcop::testing::run_usdcop("db start --json");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  if (j["external"].get<bool>()) return;
  EXPECT_FALSE(j["started"].get<bool>());
  EXPECT_FALSE(j["initialized"].get<bool>());
  EXPECT_TRUE(j["migrations_applied"].empty());

  r = usdcop::testing::run_usdcop("db migrate --json");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["applied"].empty());
  EXPECT_EQ(j["version_after"].get<int>(), store::latest_known_version());
}

TEST(ManagedCluster, PsqlRunsAgainstTheDatabase) {
  const auto r = usdcop::testing::run_usdcop(
      "db psql -- -X -A -t -c 'SELECT max(version) FROM system.schema_migrations'");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, std::to_string(store::latest_known_version()) + "\n");
}

TEST(ManagedCluster, PsqlConnectsAsTheApplicationRoleAndAsTheOwnerWithOwner) {
  auto r = usdcop::testing::run_usdcop("db psql -- -X -A -t -c 'SELECT current_user'");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const bool external = store::using_external_database();
  if (!external) {
    EXPECT_EQ(r.out, std::string(store::kManagedAppRole) + "\n");
  }
  r = usdcop::testing::run_usdcop("db psql --owner -- -X -A -t -c 'SELECT current_user'");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  if (!external) {
    EXPECT_EQ(r.out, std::string(store::kManagedOwner) + "\n");
  }
}

TEST(ManagedCluster, ExternalDatabaseIsNeverStartedOrStopped) {
  const std::string env = "DATABASE_URL='postgresql://bob:hunter2@127.0.0.1:1/x?connect_timeout=2'";
  auto r = usdcop::testing::run_usdcop("db stop", env);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("external"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("hunter2"), std::string::npos) << r.out;
  r = usdcop::testing::run_usdcop("db start", env);
  EXPECT_EQ(r.status, 0);
  r = usdcop::testing::run_usdcop("db status --json", env);
  EXPECT_EQ(r.status, 4);  // not reachable
  EXPECT_EQ(r.out.find("hunter2"), std::string::npos) << r.out;
  EXPECT_FALSE(nlohmann::json::parse(r.out)["running"].get<bool>());
  r = usdcop::testing::run_usdcop("db migrate", env);
  EXPECT_EQ(r.status, 4);
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
}
