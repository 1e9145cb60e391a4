// URL handling of the store module: masking, database substitution (no database needed).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>

#include "core/error.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/pg_cluster.hpp"

using namespace usdcop::store;

TEST(DatabaseUrl, MasksPasswordsInUrisAndKeyValueStrings) {
  EXPECT_EQ(mask_password("postgresql://bob:s3cr3t@db.example:5432/usdcop"),
            "postgresql://bob:***@db.example:5432/usdcop");
  EXPECT_EQ(mask_password("postgres://bob:s3cr3t@db/x?sslmode=require"),
            "postgres://bob:***@db/x?sslmode=require");
  EXPECT_EQ(mask_password("postgresql://db/x?user=bob&password=s3cr3t&sslmode=require"),
            "postgresql://db/x?user=bob&password=***&sslmode=require");
  EXPECT_EQ(mask_password("host=db user=bob password=s3cr3t dbname=x"),
            "host=db user=bob password=*** dbname=x");
  EXPECT_EQ(mask_password("host=db password = 'a b\\' c' dbname=x"),
            "host=db password = *** dbname=x");
  EXPECT_EQ(mask_password("postgresql://bob@db/x"), "postgresql://bob@db/x");
  EXPECT_EQ(mask_password("postgresql:///usdcop?host=/tmp/run&port=5439&user=usdcop"),
            "postgresql:///usdcop?host=/tmp/run&port=5439&user=usdcop");
}

TEST(DatabaseUrl, ReplacesTheDatabaseName) {
  EXPECT_EQ(url_with_database("postgresql:///usdcop?host=/tmp/run&port=5439&user=usdcop", "t_1"),
            "postgresql:///t_1?host=/tmp/run&port=5439&user=usdcop");
  EXPECT_EQ(url_with_database("postgresql://bob:pw@db:5432/usdcop", "other"),
            "postgresql://bob:pw@db:5432/other");
  EXPECT_EQ(url_with_database("postgresql://db:5432", "other"), "postgresql://db:5432/other");
  EXPECT_EQ(url_with_database("postgresql://db?dbname=x&sslmode=require", "y"),
            "postgresql://db/y?sslmode=require");
  EXPECT_EQ(url_with_database("host=db dbname=usdcop user=bob", "t 2"),
            "host=db user=bob dbname='t 2'");
  EXPECT_EQ(url_with_database("host=db", "x"), "host=db dbname='x'");
  EXPECT_EQ(database_name("postgresql:///usdcop?host=/tmp/run"), "usdcop");
  EXPECT_EQ(database_name("postgresql://db/a%20b"), "a b");
  EXPECT_EQ(database_name("host=db dbname='t 2'"), "t 2");
  EXPECT_EQ(database_name("host=db"), "");
}

TEST(DatabaseUrl, ManagedClusterUrlUsesTheSocketDirectory) {
  PgCluster c("/var/lib/usdcop x", 5440);
  EXPECT_EQ(c.url(),
            "postgresql:///usdcop?host=/var/lib/usdcop%20x/pg/run&port=5440&user=usdcop_app"
            "&passfile=/var/lib/usdcop%20x/pgpass");
  EXPECT_EQ(c.owner_url(),
            "postgresql:///usdcop?host=/var/lib/usdcop%20x/pg/run&port=5440&user=usdcop"
            "&passfile=/var/lib/usdcop%20x/pgpass");
  EXPECT_EQ(c.data_dir(), "/var/lib/usdcop x/pg/data");
  EXPECT_EQ(c.log_file(), "/var/lib/usdcop x/pg/log/postgresql.log");
}

TEST(DatabaseUrl, EnvironmentSettings) {
  ::setenv("USDCOP_PG_PORT", "6000", 1);
  EXPECT_EQ(managed_port(), 6000);
  ::setenv("USDCOP_PG_PORT", "60x", 1);
  EXPECT_THROW(managed_port(), usdcop::Error);
  ::unsetenv("USDCOP_PG_PORT");
  EXPECT_EQ(managed_port(), kDefaultManagedPort);
  ::setenv("USDCOP_HOME", "/tmp/some/home/", 1);
  EXPECT_EQ(usdcop_home(), "/tmp/some/home/");
  EXPECT_EQ(PgCluster().pg_dir(), "/tmp/some/home/pg");
  ::unsetenv("USDCOP_HOME");
  if (::geteuid() == 0) {
    EXPECT_EQ(usdcop_home(), "/var/lib/usdcop");
  }
  ::setenv("DATABASE_URL", "postgresql://x:y@h/db", 1);
  EXPECT_TRUE(using_external_database());
  EXPECT_EQ(database_url(), "postgresql://x:y@h/db");
  ::unsetenv("DATABASE_URL");
  EXPECT_FALSE(using_external_database());
}

TEST(Migrations, EmbeddedFilesAreNumberedAndHashed) {
  const auto& known = known_migrations();
  ASSERT_GE(known.size(), 2u);
  EXPECT_EQ(known[0].version, 1);
  EXPECT_EQ(known[0].filename, "0001_system.sql");
  EXPECT_EQ(known[0].name, "system");
  EXPECT_EQ(known[1].filename, "0002_market.sql");
  for (const auto& m : known) {
    EXPECT_EQ(m.checksum.size(), 64u);
    EXPECT_FALSE(m.sql.empty());
  }
  EXPECT_EQ(latest_known_version(), known.back().version);
}
