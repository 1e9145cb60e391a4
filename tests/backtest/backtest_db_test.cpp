#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "../trading/run_dir_fixture.hpp"
#include "backtest/backtest_runner.hpp"
#include "backtest/signature.hpp"
#include "backtest_test_support.hpp"
#include "core/error.hpp"
#include "real_market_fixture.hpp"
#include "store/pg_backtest_store.hpp"
#include "support/test_database.hpp"

using namespace usdcop;

TEST(PgBacktestStore, StoresTheRowAndTheSignatureSurvivesJsonb) {
  usdcop::testing::TestDatabase db;
  const auto dir = test_fixture::write_run_dir(test_fixture::fresh_dir("store"), "ppo_store_s1", 1);
  test_fixture::register_model(db.pool(), "m_store", 1, dir);
  store::PgBacktestStore results(db.pool());
  auto model = results.find_model("m_store");
  ASSERT_TRUE(model);
  EXPECT_EQ(model->artifact_uri, dir.string());
  EXPECT_EQ(format_date(*model->training_end), "2024-12-30");
  EXPECT_FALSE(results.find_model("nope"));

  const auto data = test_fixture::synthetic_market(5);
  const auto stats = test_fixture::unit_norm_stats();
  auto policy = trading::MlpPolicy::random({32, 32}, 9, 3.0);
  backtest::BacktestConfig cfg;
  cfg.risk.max_trades_per_day = 2;  // produce a few risk events
  const auto r = backtest::run_backtest(data.bars, data.rows, policy, stats, cfg);
  ASSERT_FALSE(r.trades.empty());
  ASSERT_FALSE(r.risk_events.empty());
  backtest::BacktestRecord rec;
  rec.model_id = "m_store";
  rec.model_version = "1";
  rec.start_date = cot_date(data.bars.front().time);
  rec.end_date = cot_date(data.bars.back().time);
  rec.is_out_of_sample = backtest::is_out_of_sample(rec.start_date, rec.end_date,
                                                    model->training_start, model->training_end);
  EXPECT_FALSE(rec.is_out_of_sample);  // 2024 overlaps the training split
  rec.metrics = backtest::to_json(r.metrics, false);
  rec.trades = backtest::trades_to_json(r.trades);
  rec.equity_curve = backtest::equity_to_json(r.equity);
  rec.daily_returns = backtest::to_json(r.metrics)["daily_returns"];
  rec.config = backtest::to_json(cfg);
  rec.model_hash = std::string(64, 'a');
  rec.builder_version = "1.0.0";
  rec.feature_order_hash = std::string(64, 'b');
  rec.bar_range = {{"bars", data.bars.size()}};
  rec.signature = backtest::recompute_signature(rec);
  const std::string uuid = results.save(rec, r.risk_events);
  auto stored = results.load(uuid);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->record.signature, rec.signature);
  EXPECT_EQ(stored->record.signature_version, 2);
  EXPECT_EQ(backtest::recompute_signature(stored->record),
            rec.signature);  // jsonb round trip is exact

  auto c = db.pool().acquire();
  pqxx::work tx(*c);
  auto row = tx.exec_params1(
      "SELECT total_trades, profit_factor IS NULL, sharpe_ratio, (SELECT count(*) FROM "
      "trading.risk_events "
      "WHERE source = 'backtest' AND model_id = 'm_store') FROM ml.backtest_results WHERE "
      "backtest_uuid = $1::uuid",
      uuid);
  EXPECT_EQ(row[0].as<int>(), r.metrics.total_trades);
  EXPECT_EQ(row[1].as<bool>(), !r.metrics.profit_factor.has_value());
  EXPECT_DOUBLE_EQ(row[2].as<double>(), r.metrics.sharpe_ratio);
  EXPECT_EQ(row[3].as<long>(), static_cast<long>(r.risk_events.size()));
  EXPECT_THROW(results.load("not-a-uuid"), Error);
  EXPECT_FALSE(results.load("00000000-0000-0000-0000-000000000000"));
  std::filesystem::remove_all(dir);
}

TEST(PgBacktestStore, ExperimentRunsAreListedForMultiSeedEvaluation) {
  usdcop::testing::TestDatabase db;
  auto c = db.pool().acquire();
  pqxx::work tx(*c);
  tx.exec(
      "INSERT INTO ml.experiment_runs (run_id, kind, experiment, status, artifact_uri) VALUES "
      "('r1', 'training', 'exp', 'completed', '/runs/r1'), ('r2', 'training', 'exp', 'failed', "
      "'/runs/r2'), "
      "('r3', 'training', 'other', 'completed', '/runs/r3'), ('r4', 'training', 'exp', "
      "'completed', '/runs/r4')");
  tx.commit();
  store::PgBacktestStore results(db.pool());
  EXPECT_EQ(results.experiment_run_dirs("exp"), (std::vector<std::string>{"/runs/r1", "/runs/r4"}));
}
