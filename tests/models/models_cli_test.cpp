// End to end through the usdcop binary: register, list, show, card, promote, vote, rollback,
// audit export and lineage, with their exit statuses.
#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sstream>

#include "core/error.hpp"
#include "core/sha256.hpp"
#include "model_fixtures.hpp"
#include "store/database.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"
#include "support/test_tokens.hpp"

using namespace usdcop;

namespace {

class ModelsCli : public ::testing::Test {
 protected:
  usdcop::testing::TestDatabase db;
  usdcop::testing::TempDir tmp;
  // alice (operator) registers and requests; bob and ops are admins.
  std::string alice = usdcop::testing::make_token(db, "alice", "operator");
  std::string bob = usdcop::testing::make_token(db, "bob", "admin");
  std::string ops = usdcop::testing::make_token(db, "ops", "admin");
  usdcop::testing::CommandResult run(const std::string& args, const std::string& token = "") {
    return usdcop::testing::run_usdcop(
        args, "DATABASE_URL='" + db.url() + "' " + usdcop::testing::token_env(token));
  }
  nlohmann::json run_json(const std::string& args, const std::string& token = "",
                          int expected = 0) {
    const auto r = run(args, token);
    EXPECT_EQ(r.status, expected) << args << "\n" << r.err;
    return nlohmann::json::parse(r.out);
  }
};

}  // namespace

TEST_F(ModelsCli, RegisterPromoteRollbackAuditLineage) {
  const auto d1 = usdcop::testing::write_run_directory(tmp.path(), "ppo_cli_1", {.seed = 1});
  const auto d2 = usdcop::testing::write_run_directory(tmp.path(), "ppo_cli_2", {.seed = 2});
  const auto bad = usdcop::testing::write_run_directory(tmp.path(), "ppo_cli_bad", {.seed = 3});
  std::ofstream(bad / "actor.bin", std::ios::app) << "tamper";

  EXPECT_EQ(run_json("models register " + d1.string() + " --json", alice)["version"], 1);
  run_json("models register " + d2.string() + " --json", alice);
  const auto refused = run("models register " + bad.string(), alice);
  EXPECT_EQ(refused.status, 6) << refused.err;
  EXPECT_NE(refused.err.find("actor.bin"), std::string::npos) << refused.err;
  EXPECT_EQ(run("models register " + d1.string(), alice).status, 5);
  EXPECT_EQ(run_json("models list --json").size(), 2u);
  EXPECT_EQ(run_json("models list --status staging --json").size(), 0u);
  EXPECT_EQ(run_json("models show ppo_cli_1 --json")["model_hash"].get<std::string>().size(), 64u);
  EXPECT_EQ(run("models show nope").status, 2);

  for (const char* id : {"ppo_cli_1", "ppo_cli_2"}) {
    const auto bt =
        usdcop::testing::insert_backtest(db.pool(), id, usdcop::testing::passing_backtest());
    const auto staged =
        run_json(std::string("promote request ") + id + " --stage staging --backtest " + bt +
                     " --reason 'good test period' --json",
                 alice);
    EXPECT_EQ(staged["final_decision"], "promoted");
    usdcop::testing::exec_sql(
        db.pool(), std::string("UPDATE ml.model_registry SET staged_at = now() - interval "
                               "'8 days' WHERE model_id = '") +
                       id + "'");
    const auto bt2 =
        usdcop::testing::insert_backtest(db.pool(), id, usdcop::testing::passing_backtest());
    const auto req =
        run_json(std::string("promote request ") + id + " --stage production --backtest " + bt2 +
                     " --reason 'ready for production' --json",
                 alice);
    EXPECT_EQ(req["final_decision"], "pending");
    const std::string rid = req["request_id"];
    EXPECT_EQ(run("promote request " + std::string(id) + " --stage production --backtest " + bt2 +
                      " --reason short",
                  alice)
                  .status,
              2);
    const auto same = run("promote vote " + rid +
                              " --approve --comment ok --checklist "
                              "backtest_reviewed,metrics_acceptable,team_notified "
                              "",
                          alice);
    EXPECT_EQ(same.status, 5) << same.err;
    const auto partial =
        run("promote vote " + rid + " --approve --comment ok --checklist backtest_reviewed", bob);
    EXPECT_EQ(partial.status, 2);
    EXPECT_NE(partial.err.find("metrics_acceptable, team_notified"), std::string::npos)
        << partial.err;
    const auto voted = run_json("promote vote " + rid +
                                    " --approve --comment 'metrics reviewed in detail' --checklist "
                                    "backtest_reviewed,metrics_acceptable,team_notified --json",
                                bob);
    EXPECT_NE(voted["final_decision"], "pending");
  }
  EXPECT_EQ(run_json("promote list --json").size(), 4u);
  const auto targets = run_json("models rollback-targets --json");
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0]["model"]["model_id"], "ppo_cli_2");
  EXPECT_EQ(targets[1]["recommended"], true);

  // While another transaction holds the swap lock, the rollback is refused with exit 5.
  {
    auto holder = store::open_connection(db.url());
    pqxx::work tx(*holder);
    tx.exec("SELECT ml.try_lock_model_change()");
    const auto busy = run("models rollback --reason 'latency regression'", ops);
    EXPECT_EQ(busy.status, 5);
    EXPECT_NE(busy.err.find("a rollback or promotion is in progress"), std::string::npos)
        << busy.err;
  }
  const auto rb = run_json("models rollback --reason 'latency regression' --json", ops);
  EXPECT_EQ(rb["success"], true);
  EXPECT_EQ(rb["previous_model"], "ppo_cli_2");
  EXPECT_EQ(rb["new_model"], "ppo_cli_1");
  EXPECT_LT(rb["rollback_time_ms"].get<double>(), 1000.0);
  std::cout << "[ measured ] CLI rollback_time_ms = " << rb["rollback_time_ms"] << "\n";

  const auto card = run("models card ppo_cli_1");
  EXPECT_EQ(card.status, 0);
  EXPECT_NE(card.out.find("## Change history"), std::string::npos);
  EXPECT_NE(card.out.find("model.rollback"), std::string::npos);

  const auto lineage = run_json("lineage ppo_cli_1 --json");
  EXPECT_EQ(lineage["run"]["run_id"], "ppo_cli_1");
  EXPECT_EQ(lineage["feature_builder"]["builder_version"], "1.0.0");
  EXPECT_EQ(lineage["backtests"].size(), 2u);
  EXPECT_EQ(lineage["promotion_requests"].size(), 2u);
  EXPECT_EQ(lineage["deployments"].size(), 3u);  // deployed, archived, deployed again
  EXPECT_EQ(run("lineage ppo_cli_1").status, 0);

  const auto json_rows = run_json("audit export --from 2000-01-01 --to 2100-01-01 --format json");
  EXPECT_GE(json_rows.size(), 12u);
  const auto out_file = tmp.path() / "audit.csv";
  EXPECT_EQ(
      run("audit export --from 2000-01-01 --to 2100-01-01 --format csv --out " + out_file.string())
          .status,
      0);
  std::ifstream in(out_file);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, models::kAuditCsvHeader);
  std::size_t lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  EXPECT_EQ(lines, json_rows.size());
  EXPECT_EQ(run("audit export --from 2100-01-01 --to 2000-01-01").status, 2);
}

// Issue 11 item 3: a run whose weights are not finite (a diverged training) is refused by
// `models register` even when its hashes are consistent.
TEST_F(ModelsCli, RegisterRefusesNonFiniteWeights) {
  const auto dir = usdcop::testing::write_run_directory(tmp.path(), "ppo_cli_nan", {.seed = 9});
  {
    std::fstream f(dir / "actor.bin", std::ios::in | std::ios::out | std::ios::binary);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    f.seekp(4 * 7);
    f.write(reinterpret_cast<const char*>(&nan), sizeof nan);
  }
  std::ifstream in(dir / "run.json");
  nlohmann::json run_json_doc = nlohmann::json::parse(in);
  in.close();
  const std::string hash = sha256_file_hex(dir / "actor.bin");
  run_json_doc["artifacts"]["actor.bin"] = hash;
  run_json_doc["model_hash"] = hash;
  std::ofstream(dir / "run.json") << run_json_doc.dump(2);

  const auto refused = run("models register " + dir.string(), alice);
  EXPECT_EQ(refused.status, 6) << refused.err;
  EXPECT_NE(refused.err.find("not finite"), std::string::npos) << refused.err;
  EXPECT_EQ(run_json("models list --json").size(), 0u);
}
