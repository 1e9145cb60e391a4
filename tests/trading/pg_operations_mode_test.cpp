#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "store/pg_operations_mode.hpp"
#include "support/test_database.hpp"
#include "trading/risk_manager.hpp"

using namespace usdcop;
using trading::OperationsMode;

namespace {
void exec(usdcop::testing::TestDatabase& db, const std::string& sql) {
  auto c = db.pool().acquire();
  pqxx::work tx(*c);
  tx.exec(sql);
  tx.commit();
}
}  // namespace

TEST(PgOperationsMode, ReadsTheModeAndFailsClosed) {
  usdcop::testing::TestDatabase db;
  store::PgOperationsMode mode(db.pool());
  EXPECT_EQ(mode.current(), OperationsMode::kNormal);
  exec(db, "UPDATE trading.operations_state SET mode = 'PAUSED'");
  EXPECT_EQ(mode.current(), OperationsMode::kPaused);
  // The risk manager obeys it: entries refused while paused.
  trading::RiskManager risk({}, mode);
  EXPECT_EQ(
      risk.review(parse_timestamp_or_throw("2024-01-03T14:00:00Z", "t"), 10000, 0, 1).position, 0);
  exec(db, "UPDATE trading.operations_state SET mode = 'KILLED'");
  EXPECT_EQ(mode.current(), OperationsMode::kKilled);
  exec(db, "DELETE FROM trading.operations_state");
  EXPECT_EQ(mode.current(), OperationsMode::kKilled);  // no row: unreadable -> KILLED
}

TEST(PgOperationsMode, UnreachableDatabaseIsKilled) {
  store::ConnectionPool pool("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1", 1,
                             std::chrono::milliseconds(500));
  store::PgOperationsMode mode(pool);
  EXPECT_EQ(mode.current(), OperationsMode::kKilled);
}
