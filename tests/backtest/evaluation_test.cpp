#include <gtest/gtest.h>

#include "../trading/run_dir_fixture.hpp"
#include "backtest/evaluation.hpp"
#include "backtest/report.hpp"
#include "backtest_test_support.hpp"

using namespace usdcop;

TEST(Bootstrap, CiAndPValue) {
  std::vector<double> positive(200, 0.01);
  for (std::size_t i = 0; i < positive.size(); i += 2) positive[i] = 0.002;
  const auto b = backtest::bootstrap_mean(positive, 2000, 1);
  EXPECT_NEAR(b.mean, 0.006, 1e-12);
  EXPECT_GT(b.ci_low, 0.005);
  EXPECT_LT(b.ci_high, 0.007);
  EXPECT_EQ(b.p_value, 0.0);
  std::vector<double> noise;
  for (int i = 0; i < 100; ++i) noise.push_back(i % 2 == 0 ? 0.01 : -0.01);
  const auto n = backtest::bootstrap_mean(noise, 2000, 1);
  EXPECT_LT(n.ci_low, 0);
  EXPECT_GT(n.ci_high, 0);
  EXPECT_GT(n.p_value, 0.2);
  EXPECT_LT(n.p_value, 0.8);
  EXPECT_EQ(backtest::bootstrap_mean(noise, 2000, 1).p_value, n.p_value);  // seeded
}

TEST(Evaluation, BaselinesNextToTheModelAndAVerdict) {
  const auto data = test_fixture::synthetic_market(10);
  const auto stats = test_fixture::unit_norm_stats();
  auto a = trading::MlpPolicy::random({16, 16}, 1, 3.0);
  auto b = trading::MlpPolicy::random({16, 16}, 2, 3.0);
  backtest::EvaluationOptions opt;
  opt.random_seeds = 20;
  opt.bootstrap_resamples = 500;
  const auto e =
      backtest::evaluate(data.bars, data.rows, {{"s1", &a, &stats}, {"s2", &b, &stats}}, {}, opt);
  ASSERT_EQ(e.models.size(), 2u);
  EXPECT_EQ(e.seeds_return.n, 2);
  EXPECT_EQ(e.flat.metrics.total_trades, 0);
  EXPECT_EQ(e.flat.metrics.total_return_pct, 0);
  EXPECT_EQ(e.buy_and_hold.metrics.total_trades, 1);
  EXPECT_EQ(e.random_return.n, 20);
  ASSERT_EQ(e.cost_sensitivity.size(), 4u);
  // More cost never helps a model that trades.
  if (e.models[0].metrics.total_trades > 0) {
    EXPECT_GE(e.cost_sensitivity[0].second.total_pnl, e.cost_sensitivity[3].second.total_pnl);
  }
  EXPECT_EQ(e.bootstrap.days, 10);
  EXPECT_FALSE(e.verdict.empty());
  EXPECT_EQ(e.significant, e.verdict.rfind("SIGNIFICANT EDGE", 0) == 0);
  const auto j = backtest::to_json(e);
  EXPECT_TRUE(j.contains("baselines"));
  EXPECT_TRUE(j["baselines"].contains("random"));
  EXPECT_EQ(j["significant"], e.significant);
}

TEST(Report, WritesTheFourFilesSelfContained) {
  const auto data = test_fixture::synthetic_market(3);
  const auto stats = test_fixture::unit_norm_stats();
  auto p = trading::MlpPolicy::random({16, 16}, 3, 3.0);
  const auto r = backtest::run_backtest(data.bars, data.rows, p, stats, {});
  const auto dir = test_fixture::fresh_dir("report");
  backtest::write_report(dir, r, {{"model_id", "m1"}});
  for (const char* f : {"report.json", "trades.csv", "equity.csv", "report.html"})
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  std::ifstream html(dir / "report.html");
  const std::string text((std::istreambuf_iterator<char>(html)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find("<polyline"), std::string::npos);
  EXPECT_NE(text.find("Monthly returns"), std::string::npos);
  EXPECT_EQ(text.find("http://"), std::string::npos);  // no network resource
  EXPECT_EQ(text.find("https://"), std::string::npos);
  EXPECT_EQ(text.find("<script"), std::string::npos);
  const auto j = nlohmann::json::parse(std::ifstream(dir / "report.json"));
  EXPECT_EQ(j["trades"].size(), r.trades.size());
  std::ifstream eq(dir / "equity.csv");
  std::string line;
  long lines = 0;
  while (std::getline(eq, line)) ++lines;
  EXPECT_EQ(lines, static_cast<long>(data.bars.size()) + 2);  // header, initial capital, bars
  std::filesystem::remove_all(dir);
}
