// Every exit status docs/CLI.md documents, each from a real situation (status 1 is a bug by
// definition and has none). Argument errors are 2 exactly, not CLI11's own codes.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>

#include "store/database.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

using usdcop::testing::run_usdcop;

namespace {
std::string env_of(const std::string& url) {
  return "DATABASE_URL='" + url + "'";
}
}  // namespace

TEST(ExitStatus, EveryDocumentedStatus) {
  usdcop::testing::TestDatabase db;
  const std::string env = env_of(db.url());
  // 0: success.
  EXPECT_EQ(run_usdcop("--version").status, 0);
  EXPECT_EQ(run_usdcop("promote list", env).status, 0);
  // 2: bad arguments: unknown flag or command, missing or extra argument, invalid value.
  for (const char* args :
       {"calendar holidays --year 2026 --bogus", "nosuchcommand", "calendar holidays",
        "calendar holidays --year 2026 --country FR", "promote list --decision \"x' or 1=1\"",
        "promote vote --as adam --role admin", "token revoke 1 --all", "calendar session"}) {
    const auto r = run_usdcop(args, env);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
  }
  EXPECT_NE(run_usdcop("promote list --decision \"x' or 1=1\"", env).err.find("--decision"),
            std::string::npos);
  // 3: done partially (a rejected input row).
  const auto csv = std::filesystem::temp_directory_path() /
                   ("usdcop_exit3_" + std::to_string(::getpid()) + ".csv");
  std::ofstream(csv) << "time,open,high,low,close,volume\n"
                        "2024-01-02T13:00:00Z,3900,3905,3899,3901,0\n"
                        "2024-01-02T13:05:00Z,3901,3899,3905,3902,0\n";
  EXPECT_EQ(run_usdcop("ingest csv " + csv.string(), env).status, 3);
  std::filesystem::remove(csv);
  // 4: the database cannot be reached.
  EXPECT_EQ(run_usdcop("models list", env_of("postgresql://nobody@127.0.0.1:1/x?connect_timeout=2"))
                .status,
            4);
  // 5: conflict with the current state (a governance command without the role it needs).
  const auto token = run_usdcop("token bootstrap --name root --json", env);
  ASSERT_EQ(token.status, 0) << token.err;
  EXPECT_EQ(run_usdcop("token bootstrap --name other", env).status, 5);
  // 6: integrity: the audit chain no longer verifies after the owner changed a row.
  {
    auto conn = usdcop::store::open_connection(db.owner_url());
    pqxx::work tx(*conn);
    tx.exec("SET LOCAL session_replication_role = replica");
    tx.exec(
        "UPDATE system.audit_log SET reason = 'edited' WHERE id = (SELECT min(id) FROM "
        "system.audit_log)");
    tx.commit();
  }
  EXPECT_EQ(run_usdcop("audit verify", env).status, 6);
}

// A usdcop::Error names its field logically ("token_file", "request_id"); the CLI spells it as
// the flag or argument the user typed (apps/usdcop/cli_fields.cpp), the message itself holds no
// door syntax.
TEST(ExitStatus, ErrorsNameTheOffendingFlagOrArgument) {
  usdcop::testing::TestDatabase db;
  const std::string env = env_of(db.url());
  const auto file = run_usdcop(
      "promote vote 00000000-0000-0000-0000-000000000000 --reject --comment 'not this one' "
      "--token-file /nonexistent/usdcop-token",
      env);
  EXPECT_EQ(file.status, 2);
  EXPECT_NE(file.err.find("usdcop: error: --token-file: /nonexistent/usdcop-token: cannot read "
                          "the file"),
            std::string::npos)
      << file.err;
  const auto request = run_usdcop("promote show not-a-uuid", env);
  EXPECT_EQ(request.status, 2);
  EXPECT_NE(request.err.find("usdcop: error: REQUEST: 'not-a-uuid' is not a UUID"),
            std::string::npos)
      << request.err;
}
