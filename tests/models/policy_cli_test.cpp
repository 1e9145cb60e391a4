// Policies owned by the database (spec 12): `policy apply` (admin token, audited, versioned by
// hash) and the promotion gates in force come from it, not from whoever runs the command.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "model_fixtures.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"
#include "support/test_tokens.hpp"

using namespace usdcop;
using usdcop::testing::count_sql;

namespace {

class PolicyCli : public ::testing::Test {
 protected:
  usdcop::testing::TestDatabase db;
  usdcop::testing::TempDir tmp;
  std::string admin = usdcop::testing::make_token(db, "root", "admin");
  std::string op = usdcop::testing::make_token(db, "olga", "operator");
  usdcop::testing::CommandResult run(const std::string& args, const std::string& token = "") {
    return usdcop::testing::run_usdcop(
        args, "DATABASE_URL='" + db.url() + "' " + usdcop::testing::token_env(token));
  }
};

}  // namespace

TEST_F(PolicyCli, ApplyIsAdminOnlyVersionedAuditedAndDecidesTheGates) {
  const std::string seed = (usdcop::testing::source_root() / "config" / "promotion.yaml").string();
  EXPECT_NE(run("policy show").out.find("promotion: none applied"), std::string::npos);
  EXPECT_EQ(run("policy apply " + seed + " --kind promotion").status, 2);      // no token
  EXPECT_EQ(run("policy apply " + seed + " --kind promotion", op).status, 5);  // operator
  EXPECT_EQ(run("policy apply " + seed + " --kind nonsense", admin).status, 2);
  auto r = run("policy apply " + seed + " --kind promotion --json", admin);
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["changed"], true);
  EXPECT_EQ(j["sha256"].get<std::string>().size(), 64u);
  r = run("policy apply " + seed + " --kind promotion --json", admin);  // same content
  EXPECT_EQ(nlohmann::json::parse(r.out)["changed"], false);

  const auto lenient = tmp.path() / "lenient.yaml";
  std::ofstream(lenient) << "staging:\n  sharpe_ratio: -9\n  win_rate: 0\n  max_drawdown_pct: -1\n"
                            "  total_trades: 0\n  require_out_of_sample: false\n"
                            "production:\n  sharpe_ratio: -9\n  win_rate: 0\n"
                            "  max_drawdown_pct: -1\n  total_trades: 0\n  profit_factor: 0\n"
                            "  min_days_in_staging: 0\n  min_shadow_agreement: 0\n"
                            "  min_shadow_bars: 0\n  require_out_of_sample: false\n";
  r = run("policy apply " + lenient.string() + " --kind promotion --json", admin);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["version"], 2);
  const auto gates = nlohmann::json::parse(run("promote thresholds").out);
  EXPECT_EQ(gates["policy"]["version"], 2);
  EXPECT_EQ(gates["policy"]["source"], "database");
  EXPECT_EQ(count_sql(db.pool(),
                      "SELECT count(*) FROM system.audit_log WHERE action = "
                      "'policy.apply' AND actor = 'root'"),
            2);
  const auto bad = tmp.path() / "bad.yaml";
  std::ofstream(bad) << "staging: [unclosed\n";
  EXPECT_EQ(run("policy apply " + bad.string() + " --kind promotion", admin).status, 2);
  // The application role keeps every version: no UPDATE or DELETE.
  EXPECT_THROW(usdcop::testing::exec_sql(db.pool(), "DELETE FROM system.policies"), std::exception);
  EXPECT_EQ(count_sql(db.pool(), "SELECT count(*) FROM system.policies"), 2);
}
