// The auto vote's gates and the manual vote's rules (spec 05), without a database.
// GCC 12 at -O3 reports a false -Wrestrict inside std::string code inlined into these tests.
#pragma GCC diagnostic ignored "-Wrestrict"
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "models/promotion_policy.hpp"
#include "trading/trading_config.hpp"

using namespace usdcop;
using namespace usdcop::models;

namespace {

BacktestSummary backtest(double sharpe, double win, double dd, long trades,
                         std::optional<double> pf = 2.0) {
  BacktestSummary b;
  b.backtest_id = "00000000-0000-0000-0000-000000000001";
  b.model_id = "m";
  b.start_date = *parse_date("2024-07-01");
  b.end_date = *parse_date("2024-12-30");
  b.out_of_sample = true;
  b.sharpe_ratio = sharpe;
  b.win_rate = win;
  b.max_drawdown_pct = dd;
  b.total_trades = trades;
  b.profit_factor = pf;
  return b;
}

ProductionFacts ready_facts() {
  ProductionFacts f;
  f.days_in_staging = 8;
  return f;
}

ManualVote approval(const std::string& voter, Role role) {
  ManualVote v;
  v.voter = voter;
  v.role = role;
  v.approve = true;
  v.comment = "reviewed the backtest carefully";
  v.backtest_reviewed = v.metrics_acceptable = v.team_notified = true;
  return v;
}

const PromotionThresholds kT = default_promotion_thresholds();
const std::optional<Date> kTrainEnd = parse_date("2023-12-29");

}  // namespace

TEST(PromotionPolicy, ShippedConfigEqualsSpecDefaults) {
  const auto loaded = load_promotion_thresholds();
  auto shipped = to_json(loaded);
  // The shipped policy pins the reference backtest configuration (spec 12).
  EXPECT_EQ(shipped["reference_backtest"],
            nlohmann::json(
                {{"cost_bps", 1.0}, {"risk_profile_sha256", "active"}, {"thresholds", "model"}}));
  shipped.erase("reference_backtest");
  EXPECT_EQ(shipped, to_json(kT));
  EXPECT_DOUBLE_EQ(loaded.production.sharpe_ratio, 1.0);
  EXPECT_DOUBLE_EQ(*loaded.production.min_shadow_agreement, 0.85);
}

TEST(PromotionPolicy, ConfigErrorsNameTheKey) {
  try {
    parse_promotion_thresholds("staging: {sharpe_ratio: 0.5}\nproduction: {}\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("win_rate"), std::string::npos) << e.what();
  }
}

TEST(PromotionPolicy, StagingGatesAtTheirBoundariesPass) {
  const auto v = compute_auto_vote(Stage::staging, backtest(0.5, 0.45, -0.15, 50), kT, kTrainEnd);
  EXPECT_TRUE(v.passed) << v.details().dump();
  EXPECT_EQ(v.details()["sharpe_ratio"]["threshold"], 0.5);
  EXPECT_EQ(v.details()["sharpe_ratio"]["value"], 0.5);
}

TEST(PromotionPolicy, StagingFailsEachGateSeparately) {
  EXPECT_EQ(compute_auto_vote(Stage::staging, backtest(0.49, 0.5, -0.1, 60), kT, kTrainEnd)
                .failed_gates(),
            std::vector<std::string>{"sharpe_ratio"});
  EXPECT_EQ(compute_auto_vote(Stage::staging, backtest(0.6, 0.44, -0.1, 60), kT, kTrainEnd)
                .failed_gates(),
            std::vector<std::string>{"win_rate"});
  EXPECT_EQ(compute_auto_vote(Stage::staging, backtest(0.6, 0.5, -0.16, 60), kT, kTrainEnd)
                .failed_gates(),
            std::vector<std::string>{"max_drawdown_pct"});
  EXPECT_EQ(
      compute_auto_vote(Stage::staging, backtest(0.6, 0.5, -0.1, 49), kT, kTrainEnd).failed_gates(),
      std::vector<std::string>{"total_trades"});
}

TEST(PromotionPolicy, InSampleBacktestFails) {
  auto b = backtest(2, 0.6, -0.05, 200);
  b.out_of_sample = false;
  EXPECT_EQ(compute_auto_vote(Stage::staging, b, kT, kTrainEnd).failed_gates(),
            std::vector<std::string>{"out_of_sample"});
  b.out_of_sample = true;
  b.start_date = *parse_date("2023-06-01");  // flagged out of sample but inside the training range
  const auto v = compute_auto_vote(Stage::staging, b, kT, kTrainEnd);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(
      v.details()["out_of_sample"]["note"].get<std::string>().find("inside the training range"),
      std::string::npos);
}

TEST(PromotionPolicy, ProductionNeedsProfitFactorAndStagingDays) {
  EXPECT_TRUE(compute_auto_vote(Stage::production, backtest(1.0, 0.5, -0.1, 100, 1.5), kT,
                                kTrainEnd, ready_facts())
                  .passed);
  EXPECT_EQ(compute_auto_vote(Stage::production, backtest(1.2, 0.55, -0.05, 150, 1.49), kT,
                              kTrainEnd, ready_facts())
                .failed_gates(),
            std::vector<std::string>{"profit_factor"});
  // No losing trade: the profit factor is unbounded (NULL) and passes.
  EXPECT_TRUE(compute_auto_vote(Stage::production, backtest(1.2, 0.55, -0.05, 150, std::nullopt),
                                kT, kTrainEnd, ready_facts())
                  .passed);
  ProductionFacts young = ready_facts();
  young.days_in_staging = 6.9;
  EXPECT_EQ(
      compute_auto_vote(Stage::production, backtest(1.2, 0.55, -0.05, 150), kT, kTrainEnd, young)
          .failed_gates(),
      std::vector<std::string>{"days_in_staging"});
  young.skip_staging_time = true;
  const auto skipped =
      compute_auto_vote(Stage::production, backtest(1.2, 0.55, -0.05, 150), kT, kTrainEnd, young);
  EXPECT_TRUE(skipped.passed);
  EXPECT_NE(skipped.details()["days_in_staging"]["note"].get<std::string>().find("skip"),
            std::string::npos);
}

TEST(PromotionPolicy, ShadowAgreementWithProductionModel) {
  ProductionFacts f = ready_facts();
  f.production_exists = true;
  f.shadow_bars = 50;
  f.shadow_agreeing = 50;
  auto v = compute_auto_vote(Stage::production, backtest(1.2, 0.55, -0.05, 150), kT, kTrainEnd, f);
  EXPECT_FALSE(v.passed);  // 50 < 100 paired bars: never passes silently
  EXPECT_NE(
      v.details()["shadow_agreement"]["note"].get<std::string>().find("not enough shadow data"),
      std::string::npos);
  f.shadow_bars = 200;
  f.shadow_agreeing = 170;  // exactly 0.85
  EXPECT_TRUE(
      compute_auto_vote(Stage::production, backtest(1.2, 0.55, -0.05, 150), kT, kTrainEnd, f)
          .passed);
  f.shadow_agreeing = 169;
  v = compute_auto_vote(Stage::production, backtest(1.2, 0.55, -0.05, 150), kT, kTrainEnd, f);
  EXPECT_EQ(v.failed_gates(), std::vector<std::string>{"shadow_agreement"});
  EXPECT_NEAR(v.details()["shadow_agreement"]["value"].get<double>(), 0.845, 1e-12);
  f.production_exists = false;  // first production model: nothing to compare with
  f.shadow_bars = 0;
  EXPECT_TRUE(
      compute_auto_vote(Stage::production, backtest(1.2, 0.55, -0.05, 150), kT, kTrainEnd, f)
          .passed);
}

TEST(ManualVoteRules, PassAndApproveIsPromoted) {
  EXPECT_EQ(decide_production("alice", true, approval("bob", Role::operator_)),
            FinalDecision::promoted);
}

TEST(ManualVoteRules, FailAndApproveByOperatorIsRefused) {
  try {
    decide_production("alice", false, approval("bob", Role::operator_));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
    EXPECT_NE(std::string(e.what()).find("only an admin"), std::string::npos);
  }
}

TEST(ManualVoteRules, FailAndApproveByAdminIsOverride) {
  EXPECT_EQ(decide_production("alice", false, approval("bob", Role::admin)),
            FinalDecision::override_promoted);
  auto short_reason = approval("bob", Role::admin);
  short_reason.comment = "ok";
  EXPECT_THROW(decide_production("alice", false, short_reason), Error);
}

TEST(ManualVoteRules, AnyRejectIsRejected) {
  auto v = approval("bob", Role::operator_);
  v.approve = false;
  v.backtest_reviewed = v.metrics_acceptable = v.team_notified = false;
  EXPECT_EQ(decide_production("alice", true, v), FinalDecision::rejected);
  EXPECT_EQ(decide_production("alice", false, v), FinalDecision::rejected);
}

TEST(ManualVoteRules, SamePersonAndViewerAreRefused) {
  EXPECT_THROW(decide_production("alice", true, approval("alice", Role::admin)), Error);
  try {
    decide_production("alice", true, approval("carol", Role::viewer));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("operator or admin"), std::string::npos);
  }
}

TEST(ManualVoteRules, IncompleteChecklistNamesTheMissingItems) {
  ManualVote v = approval("bob", Role::admin);
  v.backtest_reviewed = v.metrics_acceptable = v.team_notified = false;
  apply_checklist("metrics_acceptable", v);
  try {
    decide_production("alice", true, v);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    const std::string m = e.what();
    EXPECT_NE(m.find("backtest_reviewed"), std::string::npos) << m;
    EXPECT_NE(m.find("team_notified"), std::string::npos) << m;
    EXPECT_EQ(m.find("metrics_acceptable"), std::string::npos) << m;
  }
  EXPECT_THROW(apply_checklist("backtest_reviewed,coffee", v), Error);
}

TEST(ManualVoteRules, ReasonOfAtLeastTenCharacters) {
  EXPECT_THROW(validate_reason("too short"), Error);  // 9 characters
  EXPECT_THROW(validate_reason("   short   "), Error);
  EXPECT_NO_THROW(validate_reason("ten chars!"));
}

// Spec 12: the policy pins the reference backtest configuration; a backtest run with another
// cost, risk profile or thresholds fails the `reference_config` gate, the note naming each field.
TEST(PromotionPolicy, ReferenceConfigGateNamesEachDifferentField) {
  const std::string base =
      "staging: {sharpe_ratio: 0.5, win_rate: 0.45, max_drawdown_pct: -0.15, total_trades: 50}\n"
      "production: {sharpe_ratio: 1.0, win_rate: 0.5, max_drawdown_pct: -0.1, total_trades: "
      "100, profit_factor: 1.5, min_days_in_staging: 7, min_shadow_agreement: 0.85, "
      "min_shadow_bars: 100}\n";
  EXPECT_FALSE(parse_promotion_thresholds(base).reference);
  const auto pinned = parse_promotion_thresholds(
      base +
      "reference_backtest: {cost_bps: 2.5, thresholds: {long_above: 0.4, short_below: -0.4}}\n");
  ASSERT_TRUE(pinned.reference);
  EXPECT_DOUBLE_EQ(pinned.reference->cost_bps, 2.5);
  EXPECT_EQ(pinned.reference->risk_profile_sha256, "active");
  EXPECT_DOUBLE_EQ(*pinned.reference->long_above, 0.4);
  for (const std::string bad : {"reference_backtest: {thresholds: model}",
                                "reference_backtest: {cost_bps: 1, risk_profile_sha256: abc}",
                                "reference_backtest: {cost_bps: 1, thresholds: loose}"}) {
    try {
      parse_promotion_thresholds(base + bad + "\n");
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("reference_backtest."), std::string::npos) << e.what();
    }
  }

  trading::RiskProfile risk;
  trading::TradingConfig trading;
  const nlohmann::json ran{{"trading", trading::to_json(trading)},
                           {"risk", trading::to_json(risk)}};
  const ReferenceConfig expected{trading.cost_bps, trading::risk_profile_sha256(risk),
                                 trading.thresholds.long_above, trading.thresholds.short_below};
  auto bt = backtest(1.6, 0.55, -0.06, 150, 1.9);
  bt.config = ran;
  auto vote = compute_auto_vote(Stage::staging, bt, kT, std::nullopt, {}, expected);
  EXPECT_TRUE(vote.passed) << vote.details().dump();
  EXPECT_TRUE(vote.details()["reference_config"]["passed"].get<bool>());

  bt.config["trading"]["cost_bps"] = 5.0;
  bt.config["risk"]["max_position"] = 0.5;
  vote = compute_auto_vote(Stage::staging, bt, kT, std::nullopt, {}, expected);
  EXPECT_FALSE(vote.passed);
  EXPECT_EQ(vote.failed_gates(), std::vector<std::string>{"reference_config"});
  const std::string note = vote.details()["reference_config"]["note"];
  EXPECT_NE(note.find("cost_bps 5"), std::string::npos) << note;
  EXPECT_NE(note.find("risk_profile_sha256"), std::string::npos) << note;
  EXPECT_EQ(note.find("long_above"), std::string::npos) << note;

  bt.config = nlohmann::json::object();  // a backtest without its configuration cannot pass
  vote = compute_auto_vote(Stage::staging, bt, kT, std::nullopt, {}, expected);
  EXPECT_NE(vote.details()["reference_config"]["note"].get<std::string>().find("cost_bps missing"),
            std::string::npos);
}
