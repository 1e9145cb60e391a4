// Market bars, the newest bar and the newest feature vector (spec 07).
#include <cmath>

#include "api_fixture.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_feature_store.hpp"

using usdcop::testing::ApiTest;
using namespace usdcop;

namespace {

class MarketApi : public ApiTest {
 protected:
  void seed(int n) {
    std::vector<market::Bar> bars;
    std::vector<features::FeatureRow> rows;
    const Timestamp t0 = *parse_timestamp("2026-01-15T13:00:00Z");
    for (int i = 0; i < n; ++i) {
      const Timestamp t = t0 + std::chrono::minutes(5 * i);
      const double p = 4000.0 + i;
      bars.push_back({t, p, p + 2, p - 1, p + 1, 0});
      features::FeatureRow r;
      r.time = t;
      for (int k = 0; k < features::kMarketFeatureCount; ++k)
        r.market[static_cast<std::size_t>(k)] = 0.01 * k + i;
      r.time_normalized = 0.1 * i;
      r.complete = true;
      rows.push_back(r);
    }
    store::PgBarStore(db.pool()).write_bars(bars, "test", false);
    store::PgFeatureStore(db.pool()).upsert(rows);
  }
};

}  // namespace

TEST_F(MarketApi, EmptyDatabase) {
  EXPECT_EQ(get("/api/v1/market/bars", viewer).json["count"], 0);
  EXPECT_EQ(get("/api/v1/market/latest", viewer).status, 404);
  EXPECT_EQ(get("/api/v1/features/latest", viewer).status, 404);
}

TEST_F(MarketApi, BarsLatestAndFeatures) {
  seed(6);
  const auto all = get("/api/v1/market/bars?from=2026-01-15&to=2026-01-15", viewer);
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(all.json["count"], 6);
  EXPECT_EQ(all.json["bars"][0]["time"], "2026-01-15T13:00:00Z");
  EXPECT_EQ(all.json["bars"][0]["close"], 4001.0);
  const auto limited = get("/api/v1/market/bars?from=2026-01-15&to=2026-01-16&limit=2", viewer);
  ASSERT_EQ(limited.json["count"], 2);
  EXPECT_EQ(limited.json["bars"][1]["time"], "2026-01-15T13:25:00Z");  // the newest
  EXPECT_EQ(limited.json["truncated"], true);
  // Without `from`: the day up to the newest bar.
  EXPECT_EQ(get("/api/v1/market/bars", viewer).json["count"], 6);
  EXPECT_EQ(get("/api/v1/market/latest", viewer).json["time"], "2026-01-15T13:25:00Z");

  const auto f = get("/api/v1/features/latest", viewer);
  ASSERT_EQ(f.status, 200) << f.body;
  EXPECT_EQ(f.json["time"], "2026-01-15T13:25:00Z");
  ASSERT_EQ(f.json["feature_vector"].size(), 15u);
  ASSERT_EQ(f.json["feature_names"].size(), 15u);
  EXPECT_EQ(f.json["feature_names"][3], "rsi_9");
  EXPECT_NEAR(f.json["feature_vector"][3].get<double>(), 5.03, 1e-12);
  EXPECT_NEAR(f.json["feature_vector"][14].get<double>(), 0.5, 1e-12);
  EXPECT_EQ(f.json["complete"], true);
  EXPECT_EQ(f.json["builder_version"], "1.0.0");
}

TEST_F(MarketApi, BadParametersNameTheField) {
  EXPECT_EQ(get("/api/v1/market/bars?limit=abc", viewer).json["error"]["field"], "limit");
  EXPECT_EQ(get("/api/v1/market/bars?limit=100000", viewer).json["error"]["field"], "limit");
  EXPECT_EQ(get("/api/v1/market/bars?from=2026-13-40", viewer).json["error"]["field"], "from");
  EXPECT_EQ(get("/api/v1/market/bars?from=2026-01-16&to=2026-01-15", viewer).json["error"]["field"],
            "to");
  EXPECT_EQ(get("/api/v1/market/bars?from=2020-01-01&to=2026-01-01", viewer).status, 400);
  EXPECT_EQ(get("/api/v1/market/bars?symbol=EURUSD", viewer).status, 400);
}
