// The tamper-evident audit log (spec 12): rows are hash-chained; `usdcop audit verify` names the
// first row changed, deleted or slipped in by the owner role, which can bypass the trigger.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "model_fixtures.hpp"
#include "store/audit_chain.hpp"
#include "store/database.hpp"
#include "store/pg_audit_log.hpp"
#include "store/pg_registry_rows.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

using namespace usdcop;

namespace {

void append_rows(usdcop::testing::TestDatabase& db, int n) {
  for (int i = 0; i < n; ++i) {
    auto conn = db.pool().acquire();
    pqxx::work tx(*conn);
    models::AuditEntry e;
    e.actor = "alice";
    e.role = "operator";
    e.action = "test.row";
    e.object_type = "thing";
    e.object_id = std::to_string(i);
    e.reason = "row \xC3\xA1 " + std::to_string(i);
    e.details = {{"n", i}, {"x", -0.0}, {"f", 0.1}, {"nested", {{"b", 1}, {"a", "z\n"}}}};
    store::append_audit(tx, e);
    tx.commit();
  }
}

// As the owner, with the append-only trigger switched off: what the chain must reveal.
void tamper(usdcop::testing::TestDatabase& db, const std::string& sql) {
  auto conn = store::open_connection(db.owner_url());
  pqxx::work tx(*conn);
  tx.exec("SET LOCAL session_replication_role = replica");
  tx.exec(sql);
  tx.commit();
}

nlohmann::json verify_cli(usdcop::testing::TestDatabase& db, int expected_status) {
  const auto r =
      usdcop::testing::run_usdcop("audit verify --json", "DATABASE_URL='" + db.url() + "'");
  EXPECT_EQ(r.status, expected_status) << r.out << r.err;
  return nlohmann::json::parse(r.out);
}

long id_of(usdcop::testing::TestDatabase& db, int n) {
  return usdcop::testing::count_sql(
      db.pool(), "SELECT id FROM system.audit_log WHERE object_id = '" + std::to_string(n) + "'");
}

}  // namespace

TEST(AuditChain, CanonicalJsonSortsKeysAndDropsNegativeZero) {
  EXPECT_EQ(usdcop::canonical_json({{"b", 1}, {"a", {{"d", -0.0}, {"c", "\xC3\xA1"}}}}),
            "{\"a\":{\"c\":\"\xC3\xA1\",\"d\":0.0},\"b\":1}");
}

TEST(AuditChain, VerifiesAnUntouchedLog) {
  usdcop::testing::TestDatabase db;
  append_rows(db, 5);
  const auto j = verify_cli(db, 0);
  EXPECT_EQ(j["verified"], 5);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["head_hash"].get<std::string>().size(), 64u);
  EXPECT_EQ(store::PgAuditLog(db.pool()).verify().verified, 5);
}

TEST(AuditChain, NamesARowChangedByTheOwner) {
  usdcop::testing::TestDatabase db;
  append_rows(db, 5);
  tamper(db, "UPDATE system.audit_log SET reason = 'nothing happened' WHERE object_id = '2'");
  const auto j = verify_cli(db, 6);
  EXPECT_EQ(j["first_broken_id"], id_of(db, 2));
  EXPECT_NE(j["why"].get<std::string>().find("changed"), std::string::npos);
  const auto text = usdcop::testing::run_usdcop("audit verify", "DATABASE_URL='" + db.url() + "'");
  EXPECT_NE(text.out.find("BROKEN at audit row " + std::to_string(id_of(db, 2))), std::string::npos)
      << text.out;
}

TEST(AuditChain, NamesTheRowAfterADeletedOne) {
  usdcop::testing::TestDatabase db;
  append_rows(db, 5);
  const long third = id_of(db, 3);
  tamper(db, "DELETE FROM system.audit_log WHERE object_id = '2'");
  EXPECT_EQ(verify_cli(db, 6)["first_broken_id"], third);
  tamper(db, "DELETE FROM system.audit_log WHERE object_id IN ('0', '1')");
  EXPECT_EQ(verify_cli(db, 6)["first_broken_id"], third);  // now the first row, pointing nowhere
}

TEST(AuditChain, NamesARowSlippedInWithoutTheWriter) {
  usdcop::testing::TestDatabase db;
  append_rows(db, 3);
  tamper(db, "INSERT INTO system.audit_log (actor, action) VALUES ('mallory', 'test.row')");
  const auto j = verify_cli(db, 6);
  EXPECT_EQ(j["first_broken_id"].get<long>(),
            usdcop::testing::count_sql(db.pool(), "SELECT max(id) FROM system.audit_log"));
}
