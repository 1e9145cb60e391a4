// /api/liquidity/v1 over loopback after `liquidity seed` + `compute` through the use cases the
// CLI calls, and the platform's own macro inputs read through /api/features/v1 with the values
// of the macro tables (spec 10, docs/FEATURE_STORE.md).
#include <chrono>

#include "app/liquidity.hpp"
#include "market/csv_source.hpp"
#include "market/macro_catalog.hpp"
#include "market/macro_import.hpp"
#include "oracle_fixture.hpp"
#include "store/pg_macro_store.hpp"
#include "support/test_paths.hpp"

using nlohmann::json;
using usdcop::testing::OracleApiTest;

namespace {

class LiquidityApi : public OracleApiTest {
 protected:
  usdcop::Date today = std::chrono::floor<std::chrono::days>(usdcop::now_utc());
  usdcop::Date first = today - std::chrono::days(899);
  void seed_and_compute() {
    usdcop::app::FeatureStore store(*services);
    const auto seeded = usdcop::app::seed_liquidity(store, {900, 1, today});
    ASSERT_EQ(seeded.publish.rejected, 0);
    const auto computed = usdcop::app::compute_liquidity(*services, store, today);
    ASSERT_GT(computed.scored_days, 700);
  }
};

class MacroThroughFeatureApi : public OracleApiTest {};

}  // namespace

TEST_F(LiquidityApi, NothingComputedIs404) {
  const auto r = get("/api/liquidity/v1/regime/latest", reader);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("liquidity compute"), std::string::npos) << r.body;
  EXPECT_EQ(get("/api/liquidity/v1/regime/latest", viewer).status, 403);  // no oracle.reader
}

TEST_F(LiquidityApi, RegimeLatestScoreboardAndHintsAfterSeedAndCompute) {
  seed_and_compute();
  const auto stored = usdcop::app::regime_day(*services);
  const auto latest = get("/api/liquidity/v1/regime/latest", reader);
  ASSERT_EQ(latest.status, 200) << latest.body;
  // Day 899 of the seeded schedule: flat at +1 since day 780, YELLOW since ~784.
  EXPECT_EQ(latest.json["state"], "YELLOW");
  EXPECT_EQ(latest.json["state"], usdcop::liquidity::to_string(stored.day.state));
  EXPECT_EQ(latest.json["date"], usdcop::format_date(today));
  EXPECT_EQ(latest.json["score"], stored.day.smoothed);
  EXPECT_EQ(latest.json["confidence"], stored.day.confidence);
  for (const char* c : {"gl", "cn", "mp"}) EXPECT_TRUE(latest.json["components"].contains(c)) << c;
  EXPECT_GE(latest.json["score_0_100"].get<double>(), 0.0);
  EXPECT_LE(latest.json["score_0_100"].get<double>(), 100.0);
  for (const char* k : {"updated_at", "candidate", "candidate_since"})
    EXPECT_TRUE(latest.json.contains(k)) << k;

  const auto board = get("/api/liquidity/v1/regime/scoreboard", reader);
  ASSERT_EQ(board.status, 200);
  ASSERT_EQ(board.json["feeds"].size(), 9u);
  EXPECT_EQ(board.json["coherence"], stored.day.coherence);
  for (const auto& f : board.json["feeds"])
    for (const char* k : {"feature_id", "raw", "z", "ts", "age_s", "stale"})
      EXPECT_TRUE(f.contains(k)) << k;
  EXPECT_EQ(get("/api/liquidity/v1/scoreboard", reader).json, board.json);  // spec 10's path

  const auto hints = get("/api/liquidity/v1/regime/hints", reader);
  ASSERT_EQ(hints.status, 200);
  EXPECT_EQ(hints.json["advisory"], true);
  for (const char* s : {"market_neutral", "directional", "yield"})
    EXPECT_TRUE(hints.json["hints"][s].is_string()) << s;

  // One grid date: day 250 is inside the rising episode, published GREEN.
  const auto green_day = usdcop::format_date(first + std::chrono::days(250));
  const auto past = get("/api/liquidity/v1/regime/latest?date=" + green_day, reader);
  ASSERT_EQ(past.status, 200) << past.body;
  EXPECT_EQ(past.json["state"], "GREEN");
  EXPECT_EQ(get("/api/liquidity/v1/regime/hints?date=" + green_day, reader).json["state"], "GREEN");
  EXPECT_EQ(get("/api/liquidity/v1/regime/latest?date=2020-13-01", reader).json["error"]["field"],
            "date");
  EXPECT_EQ(get("/api/liquidity/v1/regime/latest?date=1999-01-01", reader).status, 404);

  const auto m = get("/metrics", viewer);
  for (const std::string needle :
       {"liquidity_regime_state{state=\"YELLOW\"} 1", "liquidity_score{block=\"total\"}",
        "liquidity_coherence", "liquidity_component_zscore{component=\"cex/agg/perp_oi_usd\"}"})
    EXPECT_NE(m.body.find(needle), std::string::npos) << needle;
}

TEST_F(MacroThroughFeatureApi, PlatformMacroInputsHaveTheValuesOfTheMacroTables) {
  using namespace usdcop;
  const auto catalog = market::MacroCatalog::load_file(usdcop::testing::source_root() / "config" /
                                                       "macro_catalog.yaml");
  store::PgMacroStore macro_store(db.pool());
  market::MacroImporter importer(macro_store, catalog, "test");
  market::read_macro_csv(usdcop::testing::shared_data("macro_daily_dev.csv.gz"), catalog, importer);
  importer.finish();
  ASSERT_GT(count("SELECT count(*) FROM market.macro_observations"), 10000);

  const json q{{"featureIds", {"macro/usdcop/dxy", "macro/usdcop/vix", "macro/usdcop/embi_col"}},
               {"since", "1990-01-01"},
               {"until", "2100-01-01"},
               {"limit", 100000}};
  const auto r = post("/api/features/v1/query", reader, q);
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
  ASSERT_EQ(r.json["features"].size(), 3u);
  long compared = 0;
  for (const auto& series : r.json["features"]) {
    const auto var =
        series["featureId"].get<std::string>().substr(std::string("macro/usdcop/").size());
    auto conn = db.pool().acquire();
    pqxx::read_transaction tx(*conn);
    // The macro tables as the feature builder reads them: ts = available_at, flagged values out.
    const auto rows = tx.exec_params(
        "SELECT (extract(epoch FROM available_at) * 1000000)::bigint, value FROM"
        " market.macro_observations o WHERE variable = $1 AND NOT EXISTS (SELECT 1 FROM "
        "market.macro_flags fl WHERE fl.variable = o.variable AND fl.observation_date = "
        "o.observation_date AND fl.accepted_at IS NULL) ORDER BY available_at",
        var);
    const auto& points = series["points"];
    ASSERT_EQ(points.size(), rows.size()) << var;
    ASSERT_FALSE(rows.empty()) << var;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto ts = parse_timestamp_or_throw(points[i]["ts"].get<std::string>(), "ts");
      ASSERT_EQ(ts.time_since_epoch().count(), rows[i][0].as<int64_t>()) << var << " " << i;
      ASSERT_EQ(points[i]["value"].get<double>(), rows[i][1].as<double>()) << var << " " << i;
      ++compared;
    }
  }
  EXPECT_GT(compared, 3000);

  const auto latest = get("/api/features/v1/latest?featureId=macro/usdcop/dxy", reader);
  ASSERT_EQ(latest.status, 200);
  EXPECT_EQ(latest.json["value"].get<double>(),
            std::stod(text("SELECT value::text FROM fs.platform_macro_values WHERE variable = "
                           "'dxy' AND ts <= now() ORDER BY ts DESC LIMIT 1")));
  // Read-only: the platform's inputs change only through ingest.
  const auto pub = post("/api/features/v1/publish", publisher,
                        json::array({{{"featureId", "macro/usdcop/dxy"},
                                      {"ts", format_rfc3339(now_utc() - std::chrono::hours(1))},
                                      {"value", 100.0}}}));
  EXPECT_EQ(pub.json["rejected"], 1);
  EXPECT_NE(pub.json["errors"][0]["reason"].get<std::string>().find("read-only"),
            std::string::npos);
}
