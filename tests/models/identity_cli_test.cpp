// Identities through the usdcop binary (spec 12): bootstrap, principals, tokens (hashed,
// expiry, last use, revocation), roles and four-eyes by token identity; refusals are audited.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "model_fixtures.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"
#include "support/test_tokens.hpp"

using namespace usdcop;
using usdcop::testing::count_sql;
using usdcop::testing::text_sql;

namespace {

class IdentityCli : public ::testing::Test {
 protected:
  usdcop::testing::TestDatabase db;
  usdcop::testing::TempDir tmp;
  usdcop::testing::CommandResult run(const std::string& args, const std::string& token = "") {
    return usdcop::testing::run_usdcop(
        args, "DATABASE_URL='" + db.url() + "' " + usdcop::testing::token_env(token));
  }
  std::string bootstrap(const std::string& name) {
    const auto r = run("token bootstrap --json --name " + name);
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(r.out)["token"].get<std::string>();
  }
  long denied(const std::string& actor) {
    return count_sql(db.pool(),
                     "SELECT count(*) FROM system.audit_log WHERE action = "
                     "'auth.denied' AND actor = '" +
                         actor + "'");
  }
};

}  // namespace

TEST_F(IdentityCli, BootstrapPrincipalsAndCanonicalNames) {
  const std::string admin = bootstrap("Root-Admin");
  EXPECT_EQ(text_sql(db.pool(), "SELECT token_sha256 = encode(sha256(convert_to('" + admin +
                                    "', 'UTF8')), 'hex') FROM system.api_tokens"),
            "t");  // stored as its hash only
  EXPECT_EQ(count_sql(db.pool(), "SELECT count(*) FROM system.api_tokens WHERE token_sha256 = '" +
                                     admin + "'"),
            0);
  EXPECT_EQ(run("token bootstrap --name other").status, 5);  // an admin token exists

  EXPECT_EQ(run("principal add Rita --role operator", admin).status, 0);
  EXPECT_EQ(text_sql(db.pool(), "SELECT name FROM system.principals WHERE role = 'operator'"),
            "rita");
  for (const char* same : {"RITA", "\xEF\xBD\x92\xEF\xBD\x89\xEF\xBD\x94\xEF\xBD\x81"}) {
    const auto r = run(std::string("principal add '") + same + "' --role admin", admin);
    EXPECT_EQ(r.status, 5) << same;
    EXPECT_NE(r.err.find("'rita' exists"), std::string::npos) << r.err;
  }
  const auto cyrillic = run("principal add 'r\xD1\x96ta' --role admin", admin);
  EXPECT_EQ(cyrillic.status, 2);
  EXPECT_NE(cyrillic.err.find("mixes scripts"), std::string::npos) << cyrillic.err;
  const auto escape = run("principal add \"$(printf 'ri\\033[31mta')\" --role admin", admin);
  EXPECT_EQ(escape.status, 2);
  EXPECT_EQ(escape.err.find('\x1b'), std::string::npos) << "the escape is not echoed raw";
  EXPECT_EQ(run("principal add zed --role root", admin).status, 2);

  const auto file = tmp.path() / "rita.token";
  ASSERT_EQ(run("token create --principal rita --out " + file.string(), admin).status, 0);
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // An operator cannot administer: refused with exit 5 and audited.
  const auto low = run("principal add bob --role admin --token-file " + file.string());
  EXPECT_EQ(low.status, 5) << low.err;
  EXPECT_EQ(denied("rita"), 1);
  EXPECT_EQ(count_sql(db.pool(), "SELECT count(*) FROM system.principals WHERE name = 'bob'"), 0);
  // No token at all: exit 2, audited as anonymous.
  const auto none = run("principal add bob --role admin");
  EXPECT_EQ(none.status, 2);
  EXPECT_NE(none.err.find("USDCOP_TOKEN"), std::string::npos) << none.err;
  EXPECT_EQ(denied("anonymous"), 1);
  EXPECT_EQ(run("principal add bob --role admin", "usdcop_" + std::string(64, '0')).status, 2);
}

TEST_F(IdentityCli, ExpiryLastUseAndRevocation) {
  const std::string admin = bootstrap("root");
  const std::string rita = usdcop::testing::make_token(db, "rita", "operator");
  const std::string id_of_rita =
      "(SELECT min(t.id) FROM system.api_tokens t JOIN system.principals p ON p.id = "
      "t.principal_id "
      "WHERE p.name = 'rita')";
  // last_used_at: written on use, at most once a minute.
  ASSERT_EQ(run("principal list").status, 0);  // read-only: needs no token
  EXPECT_EQ(run("principal disable nobody-here", rita).status, 5);
  EXPECT_EQ(
      text_sql(db.pool(),
               "SELECT last_used_at IS NOT NULL FROM system.api_tokens WHERE id = " + id_of_rita),
      "t");
  usdcop::testing::exec_sql(db.pool(),
                            "UPDATE system.api_tokens SET last_used_at = now() - "
                            "interval '30 seconds' WHERE id = " +
                                id_of_rita);
  run("principal disable nobody-here", rita);
  EXPECT_EQ(text_sql(db.pool(),
                     "SELECT last_used_at < now() - interval '20 seconds' FROM "
                     "system.api_tokens WHERE id = " +
                         id_of_rita),
            "t");
  usdcop::testing::exec_sql(db.pool(),
                            "UPDATE system.api_tokens SET last_used_at = now() - "
                            "interval '2 minutes' WHERE id = " +
                                id_of_rita);
  run("principal disable nobody-here", rita);
  EXPECT_EQ(text_sql(db.pool(),
                     "SELECT last_used_at > now() - interval '20 seconds' FROM "
                     "system.api_tokens WHERE id = " +
                         id_of_rita),
            "t");
  // The default expiry is 90 days; an expired token is refused.
  const auto created =
      nlohmann::json::parse(run("token create --principal rita --json", admin).out);
  EXPECT_EQ(text_sql(db.pool(),
                     "SELECT round(extract(epoch FROM expires_at - created_at) / "
                     "86400) FROM system.api_tokens WHERE id = " +
                         std::to_string(created["id"].get<long>())),
            "90");
  usdcop::testing::exec_sql(db.pool(),
                            "UPDATE system.api_tokens SET expires_at = now() - "
                            "interval '1 second' WHERE id = " +
                                id_of_rita);
  const auto expired = run("principal disable nobody-here", rita);
  EXPECT_EQ(expired.status, 2);
  EXPECT_NE(expired.err.find("expired"), std::string::npos) << expired.err;
  // Revocation, one token and all of them; then bootstrap works again.
  const std::string second = created["token"];
  EXPECT_EQ(run("token revoke " + std::to_string(created["id"].get<long>()), admin).status, 0);
  EXPECT_NE(run("principal disable nobody-here", second).err.find("revoked"), std::string::npos);
  const auto all = nlohmann::json::parse(run("token revoke --all --json", admin).out);
  EXPECT_GE(all["revoked"].get<int>(), 1);
  EXPECT_EQ(run("token list", admin).status, 2);
  EXPECT_EQ(count_sql(db.pool(), "SELECT count(*) FROM system.api_tokens WHERE revoked_at IS NULL"),
            0);
  EXPECT_EQ(run("token bootstrap --name root").status, 0);
}

TEST_F(IdentityCli, FourEyesComparesTokenIdentities) {
  const std::string alice = usdcop::testing::make_token(db, "alice", "operator");
  const std::string carol = usdcop::testing::make_token(db, "carol", "admin");
  const std::string dave = usdcop::testing::make_token(db, "dave", "admin");
  const std::string vera = usdcop::testing::make_token(db, "vera", "viewer");
  const auto dir = usdcop::testing::write_run_directory(tmp.path(), "ppo_eyes", {.seed = 7});
  // A viewer may not register; the operator may.
  EXPECT_EQ(run("models register " + dir.string(), vera).status, 5);
  EXPECT_EQ(denied("vera"), 1);
  ASSERT_EQ(run("models register " + dir.string(), alice).status, 0);
  const auto bt =
      usdcop::testing::insert_backtest(db.pool(), "ppo_eyes", usdcop::testing::passing_backtest());
  EXPECT_EQ(run("promote request ppo_eyes --stage staging --backtest " + bt +
                    " --reason 'a viewer asking for it'",
                vera)
                .status,
            5);
  ASSERT_EQ(run("promote request ppo_eyes --stage staging --backtest " + bt +
                    " --reason 'good test period'",
                alice)
                .status,
            0);
  // Skipping the staging time is for admins only.
  EXPECT_EQ(run("promote request ppo_eyes --stage production --backtest " + bt +
                    " --reason 'ready for production' --skip-staging-time",
                alice)
                .status,
            5);
  const auto req = run("promote request ppo_eyes --stage production --backtest " + bt +
                           " --reason 'ready for production' --skip-staging-time --json",
                       carol);
  ASSERT_EQ(req.status, 0) << req.err;
  const std::string rid = nlohmann::json::parse(req.out)["request_id"];
  const std::string approve = "promote vote " + rid +
                              " --approve --comment 'reviewed every metric' --checklist "
                              "backtest_reviewed,metrics_acceptable,team_notified";
  const auto own = run(approve, carol);
  EXPECT_EQ(own.status, 5);
  EXPECT_NE(own.err.find("requested this promotion"), std::string::npos) << own.err;
  const auto registrar = run(approve, alice);
  EXPECT_EQ(registrar.status, 5);
  EXPECT_NE(registrar.err.find("registered ppo_eyes"), std::string::npos) << registrar.err;
  // Both four-eyes refusals are audited (the vote itself rolled back).
  EXPECT_EQ(count_sql(db.pool(),
                      "SELECT count(*) FROM system.audit_log WHERE action = "
                      "'command.refused' AND actor IN ('carol', 'alice') AND reason "
                      "LIKE 'four-eyes%'"),
            2);
  const auto ok = run(approve + " --json", dave);
  ASSERT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(nlohmann::json::parse(ok.out)["manual_vote_by"], "dave");
  // The removed self-declared identity flags are unknown options now.
  EXPECT_NE(
      run("promote vote " + rid + " --approve --comment x --as dave --role admin", dave).status, 0);
}

// The probes of issue 12: each gets a clear refusal (exit 2 naming the field) and changes
// nothing; a formula stored in a reason leaves the CSV export as text.
TEST_F(IdentityCli, BadInputProbesAreRefusedAndChangeNothing) {
  const std::string alice = usdcop::testing::make_token(db, "alice", "operator");
  const auto dir = usdcop::testing::write_run_directory(tmp.path(), "ppo_probe", {.seed = 9});
  ASSERT_EQ(run("models register " + dir.string(), alice).status, 0);
  const auto bt =
      usdcop::testing::insert_backtest(db.pool(), "ppo_probe", usdcop::testing::passing_backtest());
  const std::string request = "promote request ppo_probe --stage staging --backtest " + bt;
  const std::string five_a = "\xC3\xA1\xC3\xA1\xC3\xA1\xC3\xA1\xC3\xA1";  // 10 bytes
  std::string zero_width;
  for (int i = 0; i < 10; ++i) zero_width += "\xE2\x80\x8B";
  for (const std::string& reason :
       {five_a, zero_width, std::string(120000, 'x'), std::string("checked \x1b[2J twice")}) {
    const auto r = run(request + " --reason '" + reason + "'", alice);
    EXPECT_EQ(r.status, 2) << r.err.substr(0, 200);
    EXPECT_NE(r.err.find("reason:"), std::string::npos) << r.err.substr(0, 200);
  }
  EXPECT_EQ(count_sql(db.pool(), "SELECT count(*) FROM ml.promotion_requests"), 0);

  const auto ok = run(request + " --reason '=HYPERLINK(\"http://evil\",\"click\")'", alice);
  ASSERT_EQ(ok.status, 0) << ok.err;
  const auto csv = run("audit export --from 2000-01-01 --to 2100-01-01 --format csv");
  EXPECT_EQ(csv.out.find(",=HYPERLINK"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find("'=HYPERLINK"), std::string::npos) << csv.out;
}
