#include <gtest/gtest.h>

#include "../trading/run_dir_fixture.hpp"
#include "backtest/backtest_runner.hpp"
#include "backtest/signature.hpp"
#include "backtest_test_support.hpp"
#include "core/canonical_json.hpp"
#include "trading/trading_session.hpp"

using namespace usdcop;
using test_fixture::ScriptedPolicy;

namespace {

backtest::BacktestConfig default_config() {
  backtest::BacktestConfig c;
  c.risk.max_consecutive_losses = 1000;  // keep the scripted sequences unaffected
  return c;
}

}  // namespace

TEST(BacktestRunner, ExecutesAtTheCloseWithCostsAndSegmentsReversals) {
  auto data = test_fixture::synthetic_market(1);
  data.bars.resize(6);
  data.rows.resize(6);
  const auto stats = test_fixture::unit_norm_stats();
  // bar0 LONG, bar1 hold, bar2 SHORT (reversal), bar3 flat, bar4 LONG, bar5 (end of data).
  ScriptedPolicy policy({0.9, 0.5, -0.8, 0.0, 1.0, 0.9});
  auto cfg = default_config();
  const auto r = backtest::run_backtest(data.bars, data.rows, policy, stats, cfg);
  ASSERT_EQ(r.trades.size(), 3u);
  const auto& c = data.bars;
  const auto& t1 = r.trades[0];
  EXPECT_EQ(t1.side, 1);
  EXPECT_EQ(t1.entry_time, c[0].time);
  EXPECT_EQ(t1.exit_time, c[2].time);
  EXPECT_EQ(t1.entry_price, c[0].close);
  EXPECT_EQ(t1.bars_held, 2);
  const double qty = 10000.0 / c[0].close;
  EXPECT_NEAR(t1.gross_pnl, qty * (c[2].close - c[0].close), 1e-9);
  EXPECT_NEAR(t1.costs, 10000 * 1e-4 + qty * c[2].close * 1e-4, 1e-9);
  EXPECT_EQ(r.trades[1].side, -1);
  EXPECT_EQ(r.trades[1].entry_time, c[2].time);  // the reversal opened it
  EXPECT_EQ(r.trades[1].exit_time, c[3].time);
  EXPECT_EQ(r.trades[2].exit_reason, trading::ExitReason::kEndOfData);
  EXPECT_EQ(r.trades[2].exit_time, c[5].time);
  EXPECT_EQ(r.fills.size(), 5u);  // open, reverse, close, open, end-of-data close
  EXPECT_EQ(r.equity.back().position, 0);
  double pnl = 0;
  for (const auto& t : r.trades) pnl += t.net_pnl;
  EXPECT_NEAR(r.metrics.total_pnl, pnl, 1e-6);  // every cost and price move is in a trade
  EXPECT_EQ(r.equity.front().equity, 10000);    // E_start = initial capital
  EXPECT_EQ(r.equity.size(), data.bars.size() + 1);
}

TEST(BacktestRunner, IncompleteOrMissingRowsMakeNoDecisionAndHoldThePosition) {
  auto data = test_fixture::synthetic_market(1);
  data.rows[3].complete = false;
  data.rows[3].missing = {"dxy_z"};
  data.rows.erase(data.rows.begin() + 5);  // bar 5 has no row at all
  const auto stats = test_fixture::unit_norm_stats();
  ScriptedPolicy policy(std::vector<double>(60, 0.9));
  const auto r = backtest::run_backtest(data.bars, data.rows, policy, stats, default_config());
  EXPECT_EQ(r.bars_without_decision, 2);
  EXPECT_EQ(r.decisions, 58);
  EXPECT_EQ(r.equity[4].position, 1);  // bar 3: held
  EXPECT_EQ(r.equity[6].position, 1);
  // An incomplete first row: flat is held.
  auto d2 = test_fixture::synthetic_market(1);
  d2.rows[0].complete = false;
  ScriptedPolicy p2({0.9});
  const auto r2 = backtest::run_backtest(d2.bars, d2.rows, p2, stats, default_config());
  EXPECT_EQ(r2.equity[1].position, 0);
  EXPECT_EQ(r2.equity[2].position, 1);
}

TEST(BacktestRunner, SameModelBarsAndConfigGiveTheSameTradesAndSignature) {
  const auto data = test_fixture::synthetic_market(5);
  const auto stats = test_fixture::unit_norm_stats();
  const auto dir = test_fixture::fresh_dir("determinism");
  trading::MlpPolicy::random({64, 64}, 11, 3.0).save(dir);
  auto p1 = trading::MlpPolicy::load(dir);
  auto p2 = trading::MlpPolicy::load(dir);
  const auto a = backtest::run_backtest(data.bars, data.rows, p1, stats, default_config());
  const auto b = backtest::run_backtest(data.bars, data.rows, p2, stats, default_config());
  ASSERT_GT(a.trades.size(), 3u);
  const auto ja = backtest::trades_to_json(a.trades);
  EXPECT_EQ(ja, backtest::trades_to_json(b.trades));
  const backtest::SignatureInputs in{
      "h", "1.0.0", "f", {{"bars", 300}}, backtest::to_json(default_config())};
  auto signed_of = [&](const backtest::BacktestResult& r) {
    return backtest::SignedResult{
        backtest::trades_to_json(r.trades), backtest::to_json(r.metrics, false),
        backtest::equity_to_json(r.equity), backtest::to_json(r.metrics)["daily_returns"]};
  };
  const auto sa = signed_of(a);
  EXPECT_EQ(backtest::signature_v2(in, sa), backtest::signature_v2(in, signed_of(b)));
  EXPECT_EQ(backtest::signature_v2(in, sa).size(), 64u);
  // One edited trade, metric, equity point or input changes the signature.
  auto edited = sa;
  edited.trades[0]["net_pnl"] = edited.trades[0]["net_pnl"].get<double>() + 0.01;
  EXPECT_NE(backtest::signature_v2(in, edited), backtest::signature_v2(in, sa));
  edited = sa;
  edited.metrics["sharpe_ratio"] = edited.metrics["sharpe_ratio"].get<double>() + 1e-12;
  EXPECT_NE(backtest::signature_v2(in, edited), backtest::signature_v2(in, sa));
  edited = sa;
  edited.equity_curve[5][1] = edited.equity_curve[5][1].get<double>() + 1e-9;
  EXPECT_NE(backtest::signature_v2(in, edited), backtest::signature_v2(in, sa));
  auto other_inputs = in;
  other_inputs.model_hash = "g";
  EXPECT_NE(backtest::signature_v2(other_inputs, sa), backtest::signature_v2(in, sa));
  // The canonical text survives a text round trip.
  const auto doc = backtest::signed_document(in, sa);
  EXPECT_EQ(canonical_json_sha256(nlohmann::json::parse(canonical_json(doc))),
            backtest::signature_v2(in, sa));
  std::filesystem::remove_all(dir);
}

TEST(BacktestRunner, LiveStyleBarByBarDrivingGivesTheSameFills) {
  const auto data = test_fixture::synthetic_market(5);
  const auto stats = test_fixture::unit_norm_stats();
  auto policy_a = trading::MlpPolicy::random({32, 32}, 5, 3.0);
  auto policy_b = trading::MlpPolicy::random({32, 32}, 5, 3.0);
  backtest::BacktestConfig cfg;
  cfg.close_at_end = false;
  const auto bt = backtest::run_backtest(data.bars, data.rows, policy_a, stats, cfg);

  // What the live engine does: one bar and its stored feature row at a time.
  trading::PaperBroker broker(cfg.trading.initial_capital, cfg.trading.cost_bps);
  trading::FixedOperationsMode mode;
  trading::TradingSession live(policy_b, stats, cfg.trading, cfg.risk, mode, broker);
  std::vector<trading::Fill> fills;
  for (std::size_t i = 0; i < data.bars.size(); ++i) {
    auto out = live.on_bar(data.bars[i], &data.rows[i]);
    if (out.fill) fills.push_back(*out.fill);
    EXPECT_EQ(out.equity, bt.equity[i + 1].equity);
  }
  ASSERT_GT(fills.size(), 3u);
  EXPECT_EQ(fills, bt.fills);
  EXPECT_EQ(broker.fills(), bt.fills);
}

TEST(BacktestRunner, DrawdownKillClosesWithExitReasonKillSwitch) {
  auto data = test_fixture::synthetic_market(1);
  for (std::size_t i = 1; i < data.bars.size(); ++i)
    data.bars[i].close = data.bars[i - 1].close * 0.99;
  const auto stats = test_fixture::unit_norm_stats();
  ScriptedPolicy policy(std::vector<double>(60, 0.9));  // long into a falling market
  const auto r = backtest::run_backtest(data.bars, data.rows, policy, stats, default_config());
  ASSERT_EQ(r.trades.size(), 1u);
  EXPECT_EQ(r.trades[0].exit_reason, trading::ExitReason::kKillSwitch);
  EXPECT_LE(r.trades[0].return_pct, -0.15);
  ASSERT_FALSE(r.risk_events.empty());
  bool killed = false;
  for (const auto& e : r.risk_events) killed |= e.rule == "max_drawdown";
  EXPECT_TRUE(killed);
}

TEST(BacktestRunner, PausedModeBacktestNeverEnters) {
  const auto data = test_fixture::synthetic_market(1);
  const auto stats = test_fixture::unit_norm_stats();
  ScriptedPolicy policy(std::vector<double>(60, 0.9));
  auto cfg = default_config();
  cfg.mode = trading::OperationsMode::kPaused;
  const auto r = backtest::run_backtest(data.bars, data.rows, policy, stats, cfg);
  EXPECT_TRUE(r.trades.empty());
  EXPECT_EQ(r.risk_events.size(), 60u);
  EXPECT_EQ(r.metrics.total_pnl, 0);
}
