#include <gtest/gtest.h>

#include <iostream>
#include <pqxx/pqxx>

#include "../trading/run_dir_fixture.hpp"
#include "real_market_fixture.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

using namespace usdcop;
using usdcop::testing::run_usdcop;

namespace {

std::string env_for(const usdcop::testing::TestDatabase& db) {
  return "DATABASE_URL='" + db.url() + "'";
}

void store_validation_data(usdcop::testing::TestDatabase& db) {
  const long n = test_fixture::store_real_market(
      db.pool(), parse_timestamp_or_throw("2025-01-01T00:00:00Z", "from"),
      parse_timestamp_or_throw("2025-07-01T00:00:00Z", "to"));
  ASSERT_GT(n, 7000);
}

}  // namespace

TEST(BacktestCli, RegisteredModelIsStoredDeterministicAndVerifiable) {
  usdcop::testing::TestDatabase db;
  store_validation_data(db);
  const auto dir = test_fixture::write_run_dir(test_fixture::fresh_dir("cli_reg"), "ppo_cli_s1", 1);
  test_fixture::register_model(db.pool(), "m_cli", 1, dir);
  const auto report = test_fixture::fresh_dir("cli_report");
  auto r = run_usdcop(
      "backtest --model m_cli --from 2025-01-02 --to 2025-03-31 --period custom --json --report " +
          report.string(),
      env_for(db));
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["stored"], true);
  EXPECT_EQ(j["is_out_of_sample"], true);  // 2025 is after the training split
  EXPECT_GT(j["bars"].get<long>(), 3500);
  const std::string uuid = j["backtest_uuid"];
  for (const char* f : {"report.json", "trades.csv", "equity.csv", "report.html"})
    EXPECT_TRUE(std::filesystem::exists(report / f)) << f;

  // Same model, bars and config: same signature.
  auto again =
      run_usdcop("backtest --model m_cli --from 2025-01-02 --to 2025-03-31 --json", env_for(db));
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["signature"], j["signature"]);

  auto ok = run_usdcop("backtest verify " + uuid, env_for(db));
  EXPECT_EQ(ok.status, 0) << ok.err << ok.out;
  EXPECT_NE(ok.out.find("OK"), std::string::npos);

  // Edit one stored trade: verify must fail with exit 6.
  {
    auto c = db.pool().acquire();
    pqxx::work tx(*c);
    const auto n = tx.exec_params1(
        "SELECT jsonb_array_length(trades) FROM ml.backtest_results WHERE backtest_uuid = $1::uuid",
        uuid);
    ASSERT_GT(n[0].as<int>(), 0) << "the random model made no trade";
    tx.exec_params(
        "UPDATE ml.backtest_results SET trades = jsonb_set(trades, '{0,net_pnl}', "
        "to_jsonb((trades->0->>'net_pnl')::float8 + 1)) WHERE backtest_uuid = $1::uuid",
        uuid);
    tx.commit();
  }
  auto bad = run_usdcop("backtest verify " + uuid, env_for(db));
  EXPECT_EQ(bad.status, 6) << bad.err << bad.out;
  EXPECT_NE(bad.out.find("MISMATCH"), std::string::npos);
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(report);
}

TEST(BacktestCli, BareRunDirectoryIsNotStoredAndSaysHowToRegister) {
  usdcop::testing::TestDatabase db;
  store_validation_data(db);
  const auto dir =
      test_fixture::write_run_dir(test_fixture::fresh_dir("cli_bare"), "ppo_cli_s2", 2);
  auto r = run_usdcop("backtest --model " + dir.string() + " --period validation", env_for(db));
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("sharpe_ratio"), std::string::npos);
  EXPECT_NE(r.out.find("not stored"), std::string::npos);
  EXPECT_NE(r.out.find("usdcop models register"), std::string::npos);
  EXPECT_NE(r.err.find("backtest"), std::string::npos);  // progress lines on stderr
  auto c = db.pool().acquire();
  pqxx::work tx(*c);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM ml.backtest_results")[0].as<long>(), 0);
  std::filesystem::remove_all(dir);
}

TEST(BacktestCli, BadInputIsRefusedClearly) {
  usdcop::testing::TestDatabase db;
  auto r =
      run_usdcop("backtest --model no_such_model --from 2025-01-02 --to 2025-01-31", env_for(db));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("no_such_model"), std::string::npos) << r.err;
  auto v = run_usdcop("backtest verify 12345", env_for(db));
  EXPECT_EQ(v.status, 2) << v.err;
}

TEST(EvaluateCli, RealValidationDataBaselinesAndVerdict) {
  usdcop::testing::TestDatabase db;
  store_validation_data(db);
  const auto s1 = test_fixture::write_run_dir(test_fixture::fresh_dir("eval_s1"), "ppo_eval_s1", 1);
  const auto s2 = test_fixture::write_run_dir(test_fixture::fresh_dir("eval_s2"), "ppo_eval_s2", 2);
  const auto out = test_fixture::fresh_dir("eval_out") / "evaluation.json";
  auto r = run_usdcop("evaluate " + s1.string() +
                          " --split val --random-seeds 30 --resamples 2000 --out " + out.string(),
                      env_for(db));
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  std::cout << r.out;  // the evaluation table, for the test log
  for (const char* word : {"buy_and_hold", "flat", "random (30 seeds)", "ppo_eval_s1", "bootstrap",
                           "p(mean <= 0)", "cost sensitivity", "5.0 bp", "verdict:"})
    EXPECT_NE(r.out.find(word), std::string::npos) << word << "\n" << r.out;
  EXPECT_TRUE(r.out.find("NO STATISTICALLY SIGNIFICANT EDGE") != std::string::npos ||
              r.out.find("SIGNIFICANT EDGE") != std::string::npos);
  const auto j = nlohmann::json::parse(std::ifstream(out));
  EXPECT_EQ(j["from"], "2025-01-02");
  EXPECT_EQ(j["to"], "2025-06-30");
  EXPECT_EQ(j["baselines"]["random"]["total_return"]["n"], 30);
  EXPECT_LT(j["baselines"]["buy_and_hold"]["total_return_pct"].get<double>(),
            0);  // USD/COP fell in H1 2025
  EXPECT_EQ(j["cost_sensitivity"].size(), 4u);
  EXPECT_GT(j["bootstrap"]["days"].get<int>(), 100);

  // Three seeds asked, two given: evaluated over two and said plainly (exit 3).
  auto seeds = run_usdcop("evaluate " + s1.string() + " " + s2.string() +
                              " --split val --seeds 3 --random-seeds 5 --resamples 500 --out " +
                              out.string(),
                          env_for(db));
  EXPECT_EQ(seeds.status, 3) << seeds.err << seeds.out;
  EXPECT_NE(seeds.out.find("3 requested, only 2"), std::string::npos) << seeds.out;
  EXPECT_NE(seeds.out.find("ppo_eval_s2"), std::string::npos);
  for (const auto& d : {s1, s2, out.parent_path()}) std::filesystem::remove_all(d);
}

// The model is evaluated with the signal thresholds it was trained with (environment.thresholds
// in its config.yaml), not the desk default of config/trading.yaml.
TEST(BacktestCli, UsesTheThresholdsTheModelWasTrainedWith) {
  usdcop::testing::TestDatabase db;
  store_validation_data(db);
  const auto plain =
      test_fixture::write_run_dir(test_fixture::fresh_dir("cli_thr_plain"), "ppo_thr_s3", 3);
  const auto wide =
      test_fixture::write_run_dir(test_fixture::fresh_dir("cli_thr_wide"), "ppo_thr_s3w", 3);
  // Same weights; thresholds no clipped action can cross: this model never takes a position.
  std::ofstream(wide / "config.yaml")
      << "experiment: baseline\nenvironment:\n  thresholds: {long_above: 2.0, short_below: -2.0}\n";
  auto run = nlohmann::json::parse(std::ifstream(wide / "run.json"));
  run["artifacts"]["config.yaml"] = sha256_file_hex(wide / "config.yaml");
  std::ofstream(wide / "run.json") << run.dump(2);

  const auto trades = [&](const std::filesystem::path& dir) {
    const auto r =
        run_usdcop("backtest --model " + dir.string() + " --period validation --json", env_for(db));
    EXPECT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out, nullptr, false);
    return j.is_discarded() ? -1L : j["metrics"]["total_trades"].get<long>();
  };
  EXPECT_GT(trades(plain), 0);
  EXPECT_EQ(trades(wide), 0);
  std::filesystem::remove_all(plain);
  std::filesystem::remove_all(wide);
}
