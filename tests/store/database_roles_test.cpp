// Least privilege (spec 12, "Database roles"): the application role cannot tamper with the
// audit log, owns nothing and is no superuser; the managed cluster is out of reach of other OS
// users; commands refuse a schema that is behind.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sstream>

#include "store/database.hpp"
#include "store/pg_cluster.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

using namespace usdcop;
using usdcop::testing::TestDatabase;

namespace {

// The error of `sql` run alone in a transaction on `url`; empty when it succeeded.
std::string failure_of(const std::string& url, const std::string& sql) {
  auto conn = store::open_connection(url);
  pqxx::work tx(*conn);
  try {
    tx.exec(sql);
    tx.commit();
  } catch (const pqxx::sql_error& e) {
    return e.what();
  }
  return "";
}

long count_of(const std::string& url, const std::string& sql) {
  auto conn = store::open_connection(url);
  pqxx::read_transaction tx(*conn);
  return tx.exec1(sql)[0].as<long>();
}

struct ShellResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

ShellResult shell(const std::string& cmd) {
  ShellResult r;
  FILE* p = ::popen((cmd + " 2>&1 </dev/null").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int rc = ::pclose(p);
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return r;
}

std::string password_of(const std::filesystem::path& pgpass, const std::string& role) {
  std::ifstream in(pgpass);
  std::string line;
  const std::string prefix = "*:*:*:" + role + ":";
  while (std::getline(in, line)) {
    if (line.starts_with(prefix)) return line.substr(prefix.size());
  }
  return "";
}

}  // namespace

TEST(DatabaseRoles, ApplicationRoleCannotTamperWithTheAuditLog) {
  TestDatabase db;
  ASSERT_EQ(failure_of(db.url(),
                       "INSERT INTO system.audit_log (actor, action) "
                       "VALUES ('alice', 'test.row')"),
            "");
  for (const char* sql :
       {"UPDATE system.audit_log SET actor = 'mallory'", "DELETE FROM system.audit_log",
        "TRUNCATE system.audit_log",
        "ALTER TABLE system.audit_log DISABLE TRIGGER audit_log_append_only",
        "ALTER TABLE system.audit_log DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_log_append_only ON system.audit_log",
        "SET session_replication_role = replica", "SET LOCAL session_replication_role = replica",
        "COPY (SELECT 1) TO PROGRAM 'id'",
        "INSERT INTO system.schema_migrations (version, name, checksum) "
        "VALUES (9999, 'x', 'x')",
        "CREATE TABLE system.mine (x int)"}) {
    const std::string err = failure_of(db.url(), sql);
    EXPECT_NE(err, "") << sql << " must fail as the application role";
    EXPECT_TRUE(err.find("permission denied") != std::string::npos ||
                err.find("must be owner") != std::string::npos ||
                err.find("must be superuser") != std::string::npos)
        << sql << ": " << err;
  }
  EXPECT_EQ(count_of(db.url(), "SELECT count(*) FROM system.audit_log WHERE actor = 'alice'"), 1);
}

TEST(DatabaseRoles, ApplicationRoleIsNoSuperuserAndOwnsNothing) {
  TestDatabase db;
  EXPECT_EQ(count_of(db.url(),
                     "SELECT count(*) FROM pg_roles WHERE rolname = current_user AND "
                     "NOT rolsuper AND NOT rolcreatedb AND NOT rolcreaterole AND NOT "
                     "rolreplication AND NOT rolbypassrls"),
            1);
  for (const char* catalog : {"pg_class WHERE relowner", "pg_namespace WHERE nspowner",
                              "pg_proc WHERE proowner", "pg_type WHERE typowner"}) {
    EXPECT_EQ(count_of(db.url(), std::string("SELECT count(*) FROM ") + catalog +
                                     " = (SELECT oid FROM pg_roles WHERE rolname = current_user)"),
              0)
        << catalog;
  }
  // The owner role is the one that migrated and owns the tables.
  EXPECT_GT(count_of(db.owner_url(),
                     "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles "
                     "WHERE rolname = current_user) AND relname = 'audit_log'"),
            0);
}

TEST(DatabaseRoles, UnprivilegedOsUserCannotReachTheManagedCluster) {
  if (store::using_external_database()) return;  // DATABASE_URL given: no managed cluster
  const store::PgCluster cluster;
  struct stat st {};
  for (const auto& dir : {cluster.pg_dir(), cluster.socket_dir()}) {
    ASSERT_EQ(::stat(dir.c_str(), &st), 0) << dir;
    EXPECT_EQ(st.st_mode & 0077, 0u) << dir << " must be reachable by its owner only";
  }
  ASSERT_EQ(::stat(cluster.credentials_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_uid, ::geteuid());
  // Even knowing the password, `nobody` cannot reach the socket.
  const std::string password = password_of(cluster.credentials_file(), store::kManagedAppRole);
  ASSERT_FALSE(password.empty());
  if (::geteuid() == 0) {
    const auto r = shell("PGPASSWORD=" + password +
                         " setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/psql -X "
                         "-w -A -t -d 'host=" +
                         cluster.socket_dir().string() + " port=" + std::to_string(cluster.port()) +
                         " dbname=usdcop user=usdcop_app' -c 'SELECT 1'");
    EXPECT_NE(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("Permission denied"), std::string::npos) << r.output;
  }
  // And the owning user needs the password: trust is gone.
  const std::string no_password = "host=" + cluster.socket_dir().string() +
                                  " port=" + std::to_string(cluster.port()) +
                                  " dbname=usdcop user=usdcop_app passfile=/nonexistent";
  try {
    pqxx::connection c{no_password};
    ADD_FAILURE() << "connected without a password";
  } catch (const pqxx::broken_connection& e) {
    EXPECT_NE(std::string(e.what()).find("password"), std::string::npos) << e.what();
  }
}

TEST(DatabaseRoles, CommandsRefuseASchemaThatIsBehind) {
  TestDatabase db(2, /*migrate=*/false);
  const std::string app_only = "DATABASE_URL='" + db.app_url() + "'";
  auto r = usdcop::testing::run_usdcop("models list", app_only);
  EXPECT_EQ(r.status, 5) << r.out << r.err;
  EXPECT_NE(r.err.find("run `usdcop db migrate`"), std::string::npos) << r.err;
  // The application role cannot migrate; the owner can.
  r = usdcop::testing::run_usdcop("db migrate",
                                  app_only + " USDCOP_OWNER_URL='" + db.app_url() + "'");
  EXPECT_NE(r.status, 0) << r.out << r.err;
  r = usdcop::testing::run_usdcop("db migrate --json",
                                  app_only + " USDCOP_OWNER_URL='" + db.owner_url() + "'");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_FALSE(nlohmann::json::parse(r.out)["applied"].empty());
  r = usdcop::testing::run_usdcop("models list", app_only);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
}
