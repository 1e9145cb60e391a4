// Issue 10, item 6: bars without a decision are reported per missing feature and per cause
// (the open macro flag behind it) by the backtest report, `evaluate` and `data check`.
#include <gtest/gtest.h>

#include <fstream>

#include "../trading/run_dir_fixture.hpp"
#include "core/calendar.hpp"
#include "features/decision_blocks.hpp"
#include "real_market_fixture.hpp"
#include "store/pg_macro_store.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

using namespace usdcop;
using usdcop::testing::run_usdcop;

namespace {

Date day(const char* d) {
  return *parse_date(d);
}

// Real bars and rows of June 2025, with brent_change_1d missing on 2025-06-10..12 (a flagged
// brent value was excluded), dxy_z missing on 2025-06-13 (no flag: stale) and no feature row
// for the first bar of 2025-06-16; and the open `jump` flag on brent of 2025-06-09.
void store_blocked_market(usdcop::testing::TestDatabase& db) {
  const auto& m = test_fixture::real_market();
  std::vector<market::Bar> bars;
  std::vector<features::FeatureRow> rows;
  const Timestamp from = cot_midnight(day("2025-06-02"));
  const Timestamp to = cot_midnight(day("2025-06-21"));
  for (std::size_t i = 0; i < m.bars.size(); ++i) {
    if (m.bars[i].time < from || !(m.bars[i].time < to)) continue;
    bars.push_back(m.bars[i]);
    auto row = m.rows[i];
    const Date d = cot_date(row.time);
    if (d >= day("2025-06-10") && d <= day("2025-06-12")) {
      row.complete = false;
      row.missing = {"brent_change_1d"};
    } else if (d == day("2025-06-13")) {
      row.complete = false;
      row.missing = {"dxy_z"};
    } else if (row.time == session_bar_times(day("2025-06-16")).front()) {
      continue;  // no feature row at all
    }
    rows.push_back(row);
  }
  store::PgBarStore(db.pool()).write_bars(bars, "test", false);
  store::PgFeatureStore(db.pool()).upsert(rows);
  market::MacroObservation o{
      "brent", day("2025-06-09"), 200.0, market::available_at(day("2025-06-09"), 1), "test", true};
  market::MacroFlag f{"brent", day("2025-06-09"), 200.0, "jump", "brent 200 vs median 65", {}, ""};
  store::PgMacroStore(db.pool()).write_observations({o}, {f});
}

void expect_counts(const nlohmann::json& blocked, const std::string& where) {
  SCOPED_TRACE(where);
  const auto& f = blocked["by_feature"];
  EXPECT_EQ(f["brent_change_1d"]["bars"], 180);
  EXPECT_EQ(f["brent_change_1d"]["causes"]["flag:jump"], 180);
  EXPECT_EQ(f["dxy_z"]["causes"]["stale_or_missing"], 60);
  EXPECT_EQ(f["(no row)"]["causes"]["no_feature_row"], 1);
  EXPECT_EQ(blocked["bars"], 241);
}

}  // namespace

TEST(BlockedDecisions, FlagAttributionUsesPublicationDelayAndStaleLimit) {
  const auto catalog = market::MacroCatalog::load();
  market::MacroFlag f{"brent", day("2025-06-09"), 200.0, "jump", "", {}, ""};
  const features::FlagAttribution flags({f}, catalog);
  const Timestamp before = cot_midnight(day("2025-06-10")) - std::chrono::minutes(5);
  EXPECT_EQ(flags.flag_for("brent_change_1d", before), "");  // not yet published
  EXPECT_EQ(flags.flag_for("brent_change_1d", cot_midnight(day("2025-06-10"))), "flag:jump");
  EXPECT_EQ(flags.flag_for("dxy_z", cot_midnight(day("2025-06-10"))), "");
  EXPECT_EQ(flags.flag_for("brent_change_1d", cot_midnight(day("2025-06-18"))), "");  // stale
  market::MacroFlag accepted = f;
  accepted.accepted_at = now_utc();
  EXPECT_EQ(features::FlagAttribution({accepted}, catalog)
                .flag_for("brent_change_1d", cot_midnight(day("2025-06-10"))),
            "");
  EXPECT_EQ(features::macro_inputs_of("rate_spread").size(), 2u);
}

TEST(BlockedDecisions, BacktestEvaluateAndDataCheckReportThemPerFeatureAndFlag) {
  usdcop::testing::TestDatabase db;
  store_blocked_market(db);
  const std::string env = "DATABASE_URL='" + db.url() + "'";
  const auto dir = test_fixture::write_run_dir(test_fixture::fresh_dir("blocked"), "ppo_blk", 3);
  test_fixture::register_model(db.pool(), "m_blocked", 1, dir);

  const std::string range = " --from 2025-06-02 --to 2025-06-20";
  auto r = run_usdcop(
      "backtest --model m_blocked" + range + " --json --report " + (dir / "report").string(), env);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto bt = nlohmann::json::parse(r.out);
  EXPECT_EQ(bt["bars_without_decision"], 241);
  expect_counts(bt["blocked_decisions"], "backtest --json");
  std::ifstream report_in(dir / "report" / "report.json");
  expect_counts(nlohmann::json::parse(report_in)["blocked_decisions"], "report.json");
  // Stored (and signed) with the metrics.
  const auto show =
      run_usdcop("backtest show " + bt["backtest_uuid"].get<std::string>() + " --json", env);
  ASSERT_EQ(show.status, 0) << show.err;
  expect_counts(nlohmann::json::parse(show.out)["metrics"]["blocked_decisions"], "stored");
  const auto text = run_usdcop("backtest --model m_blocked" + range, env);
  EXPECT_NE(text.out.find("brent_change_1d: 180 bars (flag:jump 180)"), std::string::npos)
      << text.out;

  r = run_usdcop("evaluate " + dir.string() + " --split custom" + range +
                     " --random-seeds 2 --resamples 100 --out " + (dir / "e.json").string(),
                 env);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("brent_change_1d: 180 bars (flag:jump 180)"), std::string::npos) << r.out;
  std::ifstream eval_in(dir / "e.json");
  expect_counts(nlohmann::json::parse(eval_in)["blocked_decisions"], "evaluate");

  r = run_usdcop("data check" + range + " --json", env);
  ASSERT_TRUE(r.status == 0 || r.status == 3) << r.err;
  expect_counts(nlohmann::json::parse(r.out)["blocked_decisions"], "data check");
  r = run_usdcop("data check" + range, env);
  EXPECT_NE(r.out.find("brent_change_1d: 180 bars (flag:jump 180)"), std::string::npos) << r.out;
  std::filesystem::remove_all(dir);
}
