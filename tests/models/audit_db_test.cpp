// The audit log: append-only, a row for every transition, export by time range.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "core/error.hpp"
#include "model_fixtures.hpp"
#include "store/database.hpp"
#include "store/pg_audit_log.hpp"
#include "store/pg_operations_control.hpp"
#include "support/test_database.hpp"

using namespace usdcop;
using usdcop::testing::count_sql;

namespace {
std::string failure_of(const std::string& url, const std::string& sql) {
  auto conn = store::open_connection(url);
  pqxx::work tx(*conn);
  try {
    tx.exec(sql);
  } catch (const pqxx::sql_error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

// The trigger binds even the owner role (the application role has no such privilege at all:
// tests/store/database_roles_test.cpp).
TEST(AuditLog, UpdateDeleteAndTruncateAreRefused) {
  usdcop::testing::TestDatabase db(2, true, usdcop::testing::TestDatabase::Access::owner);
  usdcop::testing::exec_sql(
      db.pool(), "INSERT INTO system.audit_log (actor, action) VALUES ('alice', 'test.row')");
  for (const char* sql : {"UPDATE system.audit_log SET actor = 'mallory'",
                          "DELETE FROM system.audit_log", "TRUNCATE system.audit_log"}) {
    const std::string err = failure_of(db.url(), sql);
    EXPECT_NE(err.find("system.audit_log is append-only"), std::string::npos) << sql << ": " << err;
  }
  EXPECT_EQ(usdcop::testing::text_sql(db.pool(), "SELECT actor FROM system.audit_log"), "alice");
}

TEST(AuditLog, EveryTransitionHasAnAuditRow) {
  usdcop::testing::TestDatabase db;
  usdcop::testing::TempDir tmp;
  for (const char* id : {"a1", "a2"}) {
    usdcop::testing::register_model(db.pool(), tmp.path(), id,
                                    {.seed = static_cast<unsigned>(id[1])});
    usdcop::testing::stage_model(db.pool(), id);
    usdcop::testing::deploy_model(db.pool(), id);
  }
  store::PgModelRegistry registry(db.pool());
  registry.rollback(std::nullopt, "audit coverage check", usdcop::testing::actor("ops", "admin"));
  store::PgOperationsControl ops(db.pool());
  ops.pause("maintenance window", usdcop::testing::actor("ops"));
  ops.resume("maintenance done", usdcop::testing::actor("ops"));
  // Every status each model went through appears as an audit to_state, in order.
  store::PgAuditLog log(db.pool());
  auto states = [&](const std::string& id) {
    std::vector<std::string> out;
    for (const auto& e : log.for_object("model", id)) out.push_back(e.to_state);
    return out;
  };
  EXPECT_EQ(states("a1"), (std::vector<std::string>{"registered", "staging", "deployed", "archived",
                                                    "deployed"}));
  EXPECT_EQ(states("a2"),
            (std::vector<std::string>{"registered", "staging", "deployed", "archived"}));
  EXPECT_EQ(
      count_sql(db.pool(),
                "SELECT count(*) FROM system.audit_log WHERE object_type = 'promotion_request'"),
      4 + 2);  // 4 requests + 2 votes
  EXPECT_EQ(
      count_sql(db.pool(),
                "SELECT count(*) FROM system.audit_log WHERE object_type = 'operations_state'"),
      2);
  EXPECT_EQ(
      count_sql(db.pool(),
                "SELECT count(*) FROM system.audit_log WHERE actor IS NULL OR action IS NULL"),
      0);
  const auto all = log.range(Timestamp::min(), Timestamp::max());
  EXPECT_EQ(static_cast<long>(all.size()),
            count_sql(db.pool(), "SELECT count(*) FROM system.audit_log"));
  EXPECT_TRUE(log.range(from_unix_seconds(0), from_unix_seconds(1)).empty());
  const std::string csv = models::to_csv_line(all.front());
  EXPECT_EQ(csv.rfind(std::to_string(all.front().id) + ",", 0), 0u) << csv;
}

TEST(OperationsControl, TransitionsFollowTheSpecTable) {
  usdcop::testing::TestDatabase db;
  store::PgOperationsControl ops(db.pool());
  const auto a = usdcop::testing::actor("ops");
  EXPECT_EQ(ops.mode().mode, "NORMAL");
  EXPECT_FALSE(ops.resume("already running", a).changed);
  EXPECT_TRUE(ops.pause("investigating", a).changed);
  EXPECT_FALSE(ops.pause("investigating again", a).changed);
  EXPECT_EQ(ops.kill("bad fills", a).mode, "KILLED");
  EXPECT_TRUE(ops.mode().kill_switch_active);
  try {
    ops.pause("cannot pause a kill", a);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
  }
  ops.kill("still bad", a);
  EXPECT_EQ(ops.mode().reason, "bad fills; still bad");
  try {
    ops.resume("fixed", a);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("CONFIRM_RESUME"), std::string::npos);
  }
  EXPECT_EQ(ops.resume("fixed", a, "CONFIRM_RESUME").mode, "NORMAL");
  EXPECT_FALSE(ops.mode().kill_switch_active);
  EXPECT_EQ(
      count_sql(db.pool(),
                "SELECT count(*) FROM system.audit_log WHERE object_type = 'operations_state'"),
      4);
}
