// End to end on the real data (../shared/data): import bars and macro with the CLI, build
// features (`usdcop features build`), `dataset build`, a short `train`; the run directory
// verifies, tampering is refused, and both runs are recorded in ml.experiment_runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "core/error.hpp"
#include "core/time.hpp"
#include "models/model_fixtures.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"
#include "support/test_tokens.hpp"
#include "trading/run_artifacts.hpp"

using namespace usdcop;
namespace fs = std::filesystem;

namespace {

// Piecewise concatenation: GCC 12 -O3 warns falsely (-Wrestrict) on "literal" + std::string.
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string s;
  ((s += parts), ...);
  return s;
}

std::string quoted(const fs::path& p) {
  return cat("'", p.string(), "'");
}

std::string scalar(usdcop::testing::TestDatabase& db, const std::string& sql) {
  auto conn = db.pool().acquire();
  pqxx::nontransaction tx(*conn);
  const auto r = tx.exec1(sql);
  return r[0].is_null() ? std::string() : std::string(r[0].c_str());
}

}  // namespace

TEST(TrainingCli, RealDataDatasetAndShortRunProduceVerifiedArtifacts) {
  usdcop::testing::TestDatabase db;
  const std::string env = cat("DATABASE_URL='", db.url(), "'");
  const fs::path work =
      fs::temp_directory_path() / cat("usdcop_train_cli_", std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work);
  using usdcop::testing::run_usdcop;
  using usdcop::testing::shared_data;

  auto r =
      run_usdcop(cat("ingest csv ", quoted(shared_data("usdcop_m5_dev.csv.gz")), " --json"), env);
  ASSERT_TRUE(r.status == 0 || r.status == 3) << r.err;
  r = run_usdcop(cat("ingest macro-csv ", quoted(shared_data("macro_daily_dev.csv.gz")), " --json"),
                 env);
  ASSERT_TRUE(r.status == 0 || r.status == 3) << r.err;
  r = run_usdcop("features build --json", env);
  ASSERT_EQ(r.status, 0) << r.err;

  const fs::path config = usdcop::testing::source_root() / "config/experiments/ci_smoke.yaml";
  r = run_usdcop(
      cat("dataset build --config ", quoted(config), " --out ", quoted(work / "ds"), " --json"),
      env);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto ds = nlohmann::json::parse(r.out);
  const auto& train = ds["splits"]["train"];
  const auto& val = ds["splits"]["validation"];
  EXPECT_GT(train["rows"].get<long>(), 5000);
  EXPECT_GT(val["rows"].get<long>(), 1000);
  // No overlap, and the embargo session (2024-12-31) lies between the splits.
  const Timestamp train_last = parse_timestamp_or_throw(train["last_time"].get<std::string>(), "t");
  const Timestamp val_first = parse_timestamp_or_throw(val["first_time"].get<std::string>(), "t");
  EXPECT_LT(train_last, parse_timestamp_or_throw("2024-12-31T13:00:00Z", "t"));
  EXPECT_GE(val_first, parse_timestamp_or_throw("2025-01-02T13:00:00Z", "t"));
  EXPECT_GT(ds["dropped"]["outside_splits"].get<long>(), 0);

  // Trained with tina's token: the run records her as its trainer (spec 12 four-eyes).
  const std::string tina = usdcop::testing::make_token(db, "tina", "admin");
  r = run_usdcop(cat("train --config ", quoted(config), " --dataset ", quoted(work / "ds"),
                     " --out ", quoted(work / "run"), " --timesteps 4096 --json"),
                 cat(env, " ", usdcop::testing::token_env(tina)));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto run = nlohmann::json::parse(r.out);
  EXPECT_EQ(run["trained_by"], "tina");
  EXPECT_EQ(run["format"], "usdcop-run-v1");
  EXPECT_EQ(run["timesteps"], 4096);
  EXPECT_EQ(run["dataset_hash"], ds["dataset_hash"]);
  EXPECT_TRUE(run["best_validation_sharpe"].is_number());
  for (const char* f : {"policy.pt", "actor.json", "actor.bin", "norm_stats.json", "config.yaml",
                        "dataset.json", "training_log.csv", "run.json"})
    EXPECT_TRUE(fs::exists(work / "run" / f)) << f;
  const auto verified = trading::verify_run_directory(work / "run");
  EXPECT_EQ(verified.model_hash, run["model_hash"]);
  const auto bundle = trading::load_policy_bundle(work / "run");
  EXPECT_EQ(bundle.policy->layers().size(), 3u);

  // Checkpoints were selected by a backtest of the validation split (issue 10, item 5): the
  // reported best validation metrics equal `usdcop backtest --period validation` of the
  // exported model with the same risk profile.
  EXPECT_EQ(run["validation_selection"], "backtest");
  ASSERT_TRUE(run["best_validation_metrics"].is_object()) << run.dump();
  r = run_usdcop(cat("backtest --model ", quoted(work / "run"), " --period validation --json"),
                 env);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto bt = nlohmann::json::parse(r.out);
  EXPECT_NEAR(bt["metrics"]["sharpe_ratio"].get<double>(),
              run["best_validation_sharpe"].get<double>(), 1e-9);
  for (const auto& [key, value] : run["best_validation_metrics"].items()) {
    ASSERT_TRUE(bt["metrics"].contains(key)) << key;
    if (value.is_number()) {
      EXPECT_NEAR(bt["metrics"][key].get<double>(), value.get<double>(), 1e-9) << key;
    } else {
      EXPECT_EQ(bt["metrics"][key], value) << key;
    }
  }

  const std::string id = run["run_id"].get<std::string>();
  EXPECT_EQ(scalar(db, cat("SELECT status FROM ml.experiment_runs WHERE run_id = '", id, "'")),
            "completed");
  EXPECT_EQ(
      scalar(db, cat("SELECT parent_run_id FROM ml.experiment_runs WHERE run_id = '", id, "'")),
      ds["run_id"].get<std::string>());
  EXPECT_EQ(scalar(db, cat("SELECT kind FROM ml.experiment_runs WHERE run_id = '",
                           ds["run_id"].get<std::string>(), "'")),
            "dataset");

  EXPECT_EQ(
      scalar(db, cat("SELECT config ->> 'trained_by' FROM ml.experiment_runs WHERE run_id = '", id,
                     "'")),
      "tina");
  {  // registered and requested by others, the model still cannot get its trainer's vote
    const std::string otto = usdcop::testing::make_token(db, "otto", "operator");
    const std::string carol = usdcop::testing::make_token(db, "carol", "admin");
    r = run_usdcop(cat("models register ", quoted(work / "run")),
                   cat(env, " ", usdcop::testing::token_env(otto)));
    ASSERT_EQ(r.status, 0) << r.err;
    auto after_training = usdcop::testing::passing_backtest();
    after_training.start = "2025-04-01";
    after_training.end = "2025-09-30";
    // The fixture's config is the seed policies' reference: the staging auto vote passes.
    const auto bt = usdcop::testing::insert_backtest(db.pool(), id, after_training);
    r = run_usdcop(cat("promote request ", id, " --stage staging --backtest ", bt,
                       " --reason 'staging candidate' --json"),
                   cat(env, " ", usdcop::testing::token_env(otto)));
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_EQ(nlohmann::json::parse(r.out)["final_decision"], "promoted") << r.out;
    usdcop::testing::exec_sql(db.pool(), cat("UPDATE ml.model_registry SET staged_at = now() - "
                                             "interval '8 days' WHERE model_id = '",
                                             id, "'"));
    // A backtest of the registered model at another cost than the policy's reference (spec 12)
    // fails the auto vote's reference_config gate, naming only the cost: its risk-profile hash
    // and thresholds are the reference's.
    r = run_usdcop(cat("backtest --model ", id, " --period validation --cost-bps 5 --json"), env);
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string costly = nlohmann::json::parse(r.out)["backtest_uuid"];
    r = run_usdcop(cat("promote request ", id, " --stage production --backtest ", costly,
                       " --reason 'ready for production' --json"),
                   cat(env, " ", usdcop::testing::token_env(carol)));
    ASSERT_EQ(r.status, 0) << r.err;
    const auto request = nlohmann::json::parse(r.out);
    const std::string rid = request["request_id"];
    const auto gate = request["auto_vote_details"]["reference_config"];
    ASSERT_TRUE(gate.is_object()) << r.out;
    EXPECT_FALSE(gate["passed"].get<bool>());
    const std::string note = gate["note"];
    EXPECT_NE(note.find("cost_bps 5"), std::string::npos) << note;
    EXPECT_EQ(note.find("risk_profile_sha256"), std::string::npos) << note;
    EXPECT_EQ(note.find("long_above"), std::string::npos) << note;
    EXPECT_EQ(request["auto_vote_status"], "failed");
    r = run_usdcop(cat("promote vote ", rid,
                       " --approve --comment 'reviewed every metric' --checklist "
                       "backtest_reviewed,metrics_acceptable,team_notified"),
                   cat(env, " ", usdcop::testing::token_env(tina)));
    EXPECT_EQ(r.status, 5);
    EXPECT_NE(r.err.find("'tina' trained " + id), std::string::npos) << r.err;

    // Risk and trading profiles come from the database for a registered model (spec 12): a
    // stricter risk policy applied by an admin is what the next backtest runs with, its version
    // and hash recorded in the backtest's config and reported by `promote thresholds`.
    const fs::path strict = work / "strict_risk.yaml";
    std::ofstream(strict) << "profile: strict\nmax_position: 0.5\nmax_drawdown_pct: -0.1\n"
                             "daily_loss_pct: -0.03\nmax_trades_per_day: 10\n";
    const std::string carol_env = cat(env, " ", usdcop::testing::token_env(carol));
    r = run_usdcop(cat("policy apply ", quoted(strict), " --kind risk --json"), carol_env);
    ASSERT_EQ(r.status, 0) << r.err;
    const auto applied = nlohmann::json::parse(r.out);
    std::ofstream(work / "bad_risk.yaml") << "max_position: 3\n";
    r = run_usdcop(cat("policy apply ", quoted(work / "bad_risk.yaml"), " --kind risk"), carol_env);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("max_position"), std::string::npos) << r.err;
    r = run_usdcop(cat("backtest --model ", id, " --period validation --json"), env);
    ASSERT_EQ(r.status, 0) << r.err;
    const auto strict_bt = nlohmann::json::parse(r.out);
    EXPECT_EQ(strict_bt["config"]["risk"]["max_position"], 0.5);
    EXPECT_EQ(strict_bt["config"]["risk"]["profile"], "strict");
    const auto& used = strict_bt["config"]["policies"];
    EXPECT_EQ(used["risk"]["source"], "database");
    EXPECT_EQ(used["risk"]["version"], applied["version"]);
    EXPECT_EQ(used["risk"]["sha256"], applied["sha256"]);
    EXPECT_EQ(scalar(db, cat("SELECT config #>> '{policies,risk,sha256}' FROM "
                             "ml.backtest_results WHERE backtest_uuid = '",
                             strict_bt["backtest_uuid"].get<std::string>(), "'")),
              applied["sha256"].get<std::string>());
    r = run_usdcop("promote thresholds", env);
    ASSERT_EQ(r.status, 0) << r.err;
    const auto in_force = nlohmann::json::parse(r.out)["profiles"];
    EXPECT_EQ(in_force["risk"]["version"], applied["version"]);
    EXPECT_EQ(in_force["risk"]["sha256"], applied["sha256"]);
    EXPECT_EQ(in_force["risk"]["risk_profile_sha256"], used["risk"]["risk_profile_sha256"]);
    EXPECT_TRUE(in_force["trading"].contains("source")) << in_force.dump();
    // A bare run directory is backtested as training replays it: with the YAML files.
    r = run_usdcop(cat("backtest --model ", quoted(work / "run"), " --period validation --json"),
                   env);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["config"]["risk"]["max_position"], 1.0);

    // A viewer's token cannot train.
    const std::string vera = usdcop::testing::make_token(db, "vera", "viewer");
    r = run_usdcop(cat("train --config ", quoted(config), " --dataset ", quoted(work / "ds"),
                       " --out ", quoted(work / "run_viewer"), " --timesteps 512"),
                   cat(env, " ", usdcop::testing::token_env(vera)));
    EXPECT_EQ(r.status, 5) << r.err;
    EXPECT_FALSE(fs::exists(work / "run_viewer" / "run.json"));
  }

  {  // a tampered artifact is refused, naming the file
    std::fstream f(work / "run" / "actor.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x7f');
  }
  try {
    trading::verify_run_directory(work / "run");
    ADD_FAILURE() << "tampered actor.bin accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::integrity);
    EXPECT_NE(std::string(e.what()).find("actor.bin"), std::string::npos) << e.what();
  }

  // A config naming dates without data fails clearly.
  const fs::path future = work / "future.yaml";
  std::ofstream(future) << "experiment: future\ndataset:\n  splits:\n"
                           "    - {name: train, start: 2030-01-02, end: 2030-06-28}\n"
                           "    - {name: validation, start: 2030-07-08, end: 2030-12-30}\n";
  r = run_usdcop(cat("dataset build --config ", quoted(future), " --out ", quoted(work / "ds2")),
                 env);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("split 'train'"), std::string::npos) << r.err;
  fs::remove_all(work);
}
