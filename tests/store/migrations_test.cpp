// Migrations on a real database: applied once, recorded with checksums, idempotent, refused
// when the database is newer or altered, safe when two migrators race.
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <thread>

#include "core/error.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "support/test_database.hpp"

using namespace usdcop;
using namespace usdcop::store;

namespace {
long query_long(usdcop::testing::TestDatabase& db, const std::string& sql) {
  auto conn = db.pool().acquire();
  pqxx::nontransaction tx(*conn);
  return tx.exec1(sql)[0].as<long>();
}
}  // namespace

TEST(Migrations, ApplyOnceRecordChecksumsAndAreIdempotent) {
  usdcop::testing::TestDatabase db(2, /*migrate=*/false);
  {
    auto conn = db.pool().acquire();
    EXPECT_EQ(schema_version(*conn), 0);
    EXPECT_TRUE(applied_migrations(*conn).empty());
  }
  const auto first = migrate(db.url());
  EXPECT_EQ(first.version_before, 0);
  EXPECT_EQ(first.version_after, latest_known_version());
  ASSERT_EQ(first.applied.size(), known_migrations().size());
  for (size_t i = 0; i < first.applied.size(); ++i)
    EXPECT_EQ(first.applied[i].version, known_migrations()[i].version);

  auto conn = db.pool().acquire();
  const auto applied = applied_migrations(*conn);
  ASSERT_EQ(applied.size(), known_migrations().size());
  for (size_t i = 0; i < applied.size(); ++i) {
    EXPECT_EQ(applied[i].version, known_migrations()[i].version);
    EXPECT_EQ(applied[i].name, known_migrations()[i].name);
    EXPECT_EQ(applied[i].checksum, known_migrations()[i].checksum);
    EXPECT_GT(applied[i].applied_at.time_since_epoch().count(), 0);
  }
  const auto second = migrate(*conn);
  EXPECT_TRUE(second.applied.empty());
  EXPECT_EQ(second.version_before, latest_known_version());
  EXPECT_EQ(second.version_after, latest_known_version());
  EXPECT_NO_THROW(check_schema_compatible(*conn));

  // The tables of spec 01 exist with their constraints.
  pqxx::nontransaction tx(*conn);
  for (const char* t : {"system.schema_migrations", "system.audit_log", "market.usdcop_m5_ohlcv",
                        "market.rejected_bars", "market.bar_flags", "market.macro_observations",
                        "market.macro_flags", "market.macro_daily"}) {
    EXPECT_TRUE(tx.exec1(std::string("SELECT to_regclass('") + t + "') IS NOT NULL")[0].as<bool>())
        << t;
  }
  EXPECT_THROW(tx.exec("INSERT INTO market.usdcop_m5_ohlcv (time, open, high, low, close, source) "
                       "VALUES ('2024-01-02 13:01:00+00', 1, 1, 1, 1, 'test')"),
               pqxx::check_violation);
}

TEST(Migrations, NewerSchemaInTheDatabaseIsRefused) {
  usdcop::testing::TestDatabase db(2, true, usdcop::testing::TestDatabase::Access::owner);
  {
    auto conn = db.pool().acquire();
    pqxx::work tx(*conn);
    tx.exec_params(
        "INSERT INTO system.schema_migrations (version, name, checksum) VALUES ($1, 'future', 'x')",
        latest_known_version() + 1);
    tx.commit();
  }
  try {
    migrate(db.url());
    FAIL() << "a newer schema must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
  auto conn = db.pool().acquire();
  EXPECT_THROW(check_schema_compatible(*conn), Error);
  EXPECT_EQ(schema_version(*conn), latest_known_version() + 1);
}

TEST(Migrations, ChangedChecksumOfAnAppliedMigrationIsRefused) {
  usdcop::testing::TestDatabase db(2, true, usdcop::testing::TestDatabase::Access::owner);
  {
    auto conn = db.pool().acquire();
    pqxx::work tx(*conn);
    tx.exec("UPDATE system.schema_migrations SET checksum = 'edited' WHERE version = 1");
    tx.commit();
  }
  try {
    migrate(db.url());
    FAIL() << "an edited migration must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::integrity);
    EXPECT_NE(std::string(e.what()).find("0001_system.sql"), std::string::npos) << e.what();
  }
}

TEST(Migrations, ConcurrentMigratorsApplyEachFileOnce) {
  usdcop::testing::TestDatabase db(2, /*migrate=*/false);
  MigrationReport a, b;
  std::exception_ptr ea, eb;
  std::thread t1([&] {
    try {
      a = migrate(db.url());
    } catch (...) {
      ea = std::current_exception();
    }
  });
  std::thread t2([&] {
    try {
      b = migrate(db.url());
    } catch (...) {
      eb = std::current_exception();
    }
  });
  t1.join();
  t2.join();
  ASSERT_FALSE(ea);
  ASSERT_FALSE(eb);
  EXPECT_EQ(a.applied.size() + b.applied.size(), known_migrations().size());
  EXPECT_EQ(a.version_after, latest_known_version());
  EXPECT_EQ(b.version_after, latest_known_version());
  EXPECT_EQ(query_long(db, "SELECT count(*) FROM system.schema_migrations"),
            static_cast<long>(known_migrations().size()));
}
