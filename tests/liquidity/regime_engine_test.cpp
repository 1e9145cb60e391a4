// The daily-grid engine on a small hand-computed history: as-of reads, the feed's own window
// (not forward-filled grid values), staleness, renormalisation, unscored days.
#include <gtest/gtest.h>

#include "liquidity/regime_engine.hpp"
#include "liquidity/regime_report.hpp"

using namespace usdcop;
using namespace usdcop::liquidity;

namespace {

const Date kD0 = parse_date_or_throw("2025-03-03", "d0");

Timestamp day(int i) {
  return utc_midnight(kD0 + std::chrono::days(i));
}

RegimeConfig small_config() {
  RegimeConfig c = RegimeConfig::defaults();
  c.window = 3;
  const int64_t two_days = 2 * 86400000LL;
  c.feeds = {{"a", Component::gl, 1, two_days},
             {"b", Component::cn, 1, two_days},
             {"c", Component::mp, 1, two_days}};
  c.rules = {"b", "b", "b", "a", "a"};
  return c;
}

FeedSeries small_series() {
  FeedSeries s;
  for (int i = 0; i <= 3; ++i) s["a"].push_back({day(i), 1.0 + i});  // 1,2,3,4 then stops
  for (int i = 0; i <= 6; ++i) s["c"].push_back({day(i), 1.0 + i});  // 1..7 then stops
  return s;                                                          // b: no data at all
}

}  // namespace

TEST(RegimeEngine, HandComputedHistory) {
  const auto days = compute_regime(small_config(), small_series(), kD0 + std::chrono::days(10));
  // First scored day is day 2 (windows of 3 full); the engine emits nothing before.
  ASSERT_FALSE(days.empty());
  EXPECT_EQ(days.front().date, kD0 + std::chrono::days(2));
  const auto& d2 = days[0];
  // gl: a's window [1,2,3] -> z 1; cn: no data; mp: c's window [1,2,3] -> z 1.
  EXPECT_NEAR(*d2.components[0], 1.0, 1e-12);
  EXPECT_FALSE(d2.components[1]);
  EXPECT_NEAR(*d2.components[2], 1.0, 1e-12);
  EXPECT_NEAR(*d2.raw, 1.0, 1e-12);  // (0.4*1 + 0.2*1) / 0.6
  EXPECT_NEAR(d2.smoothed, 1.0, 1e-12);
  EXPECT_EQ(d2.state, Regime::YELLOW);        // published starts YELLOW
  EXPECT_EQ(d2.candidate, Regime::YELLOW);    // no ETF/stablecoin data: no GREEN
  EXPECT_NEAR(d2.coherence, 2.0 / 3, 1e-12);  // cn missing
  EXPECT_NEAR(d2.confidence, 2.0 / 3, 1e-12);
  // Day 5: a's last value is from day 3 (age 2 days = ttl, not stale); its z-score comes from
  // its own last 3 observations [2,3,4] (z 1), not forward-filled grid values [3,4,4].
  const auto& d5 = days[3];
  EXPECT_EQ(d5.date, kD0 + std::chrono::days(5));
  EXPECT_NEAR(*d5.components[0], 1.0, 1e-12);
  EXPECT_TRUE(d5.stale_feeds.empty());
  // Day 6: a is 3 days old -> stale, no z-score; gl drops out, mp alone gives the raw score,
  // confidence = coherence (1/3: only mp agrees) x 0.5 for the stale component.
  const auto& d6 = days[4];
  EXPECT_FALSE(d6.components[0]);
  EXPECT_EQ(d6.stale_feeds, std::vector<std::string>{"a"});
  EXPECT_NEAR(*d6.raw, 1.0, 1e-12);
  EXPECT_NEAR(d6.coherence, 1.0 / 3, 1e-12);
  EXPECT_NEAR(d6.confidence, 1.0 / 6, 1e-12);
  // Day 9: c is stale too: no usable component, the previous state is kept, unscored.
  const auto& d9 = days[7];
  EXPECT_EQ(d9.date, kD0 + std::chrono::days(9));
  EXPECT_FALSE(d9.scored);
  EXPECT_EQ(d9.state, days[6].state);
  EXPECT_EQ(d9.smoothed, days[6].smoothed);
  EXPECT_EQ(days.back().date, kD0 + std::chrono::days(10));
}

TEST(RegimeEngine, RisingAndFlowRulesOnTheGrid) {
  RegimeConfig c = RegimeConfig::defaults();
  c.window = 3;
  const int64_t four_days = 4 * 86400000LL;
  for (auto& f : c.feeds) f.ttl_ms = four_days;
  FeedSeries s;
  // RRP and TGA rise every day, ETF flows are negative: RED through the flow rule even though
  // the z-scores alone (window of a steady rise: +1 for RRP/TGA, weight -1) are moderate.
  for (int i = 0; i < 12; ++i) {
    s["macro/us/rrp_total_usd"].push_back({day(i), 100.0 + i});
    s["macro/us/tga_balance_usd"].push_back({day(i), 50.0 + i});
    s["crypto/etf/btc_net_flow_usd"].push_back({day(i), -5.0 - (i % 2)});
  }
  const auto days = compute_regime(c, s, kD0 + std::chrono::days(11));
  ASSERT_FALSE(days.empty());
  // Day 5 is the first with a value 5 grid points earlier.
  for (const auto& d : days) {
    const auto idx = (d.date - kD0).count();
    if (idx >= 5) {
      EXPECT_EQ(d.candidate, Regime::RED) << format_date(d.date);
    } else {
      EXPECT_NE(d.candidate, Regime::GREEN);
    }
  }
  EXPECT_EQ(days.back().state, Regime::RED);
}

TEST(RegimeReport, LatestScoreboardHintsAndAlertPayload) {
  const auto days = compute_regime(small_config(), small_series(), kD0 + std::chrono::days(6));
  const auto& d = days.back();
  const auto latest = regime_latest_json(d, day(6));
  for (const char* k : {"state", "confidence", "components", "score", "score_0_100", "updated_at",
                        "candidate", "candidate_since"})
    EXPECT_TRUE(latest.contains(k)) << k;
  EXPECT_TRUE(latest["components"]["cn"].is_null());
  const auto board = scoreboard_json(d);
  ASSERT_EQ(board["feeds"].size(), 3u);
  EXPECT_EQ(board["feeds"][0]["stale"], true);
  EXPECT_EQ(board["feeds"][0]["age_s"], 3 * 86400.0);
  const auto hints = hints_json(d);
  for (const char* sleeve : {"market_neutral", "directional", "yield"})
    EXPECT_TRUE(hints["hints"].contains(sleeve)) << sleeve;
  const auto alert = flip_alert_payload(d);
  EXPECT_EQ(alert["kind"], kFlipAlertKind);
  EXPECT_EQ(alert["date"], format_date(d.date));
}

TEST(RegimeReport, MetricsOfSpec10) {
  const auto days = compute_regime(small_config(), small_series(), kD0 + std::chrono::days(4));
  const auto m = regime_metrics(days.back());
  int states = 0;
  double state_sum = 0;
  bool total = false, coherence = false;
  for (const auto& s : m) {
    if (s.name == "liquidity_regime_state") {
      ++states;
      state_sum += s.value;
    }
    if (s.name == "liquidity_score" && s.label_value == "total")
      total = s.value == days.back().smoothed;
    if (s.name == "liquidity_coherence") coherence = s.value == days.back().coherence;
  }
  EXPECT_EQ(states, 3);
  EXPECT_EQ(state_sum, 1.0);
  EXPECT_TRUE(total);
  EXPECT_TRUE(coherence);
}
