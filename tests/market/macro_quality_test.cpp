#include <gtest/gtest.h>

#include "market/macro_import.hpp"

using namespace usdcop;
using namespace usdcop::market;

namespace {
MacroVariable brent() {
  MacroVariable v;
  v.name = "brent";
  v.min_value = 5;
  v.max_value = 300;
  v.max_jump = 0.60;
  return v;
}
MacroObservation obs(int day, double value, bool flagged = false) {
  MacroObservation o;
  o.variable = "brent";
  o.observation_date = *parse_date("2024-01-01") + std::chrono::days{day};
  o.value = value;
  o.available_at = available_at(o.observation_date, 1);
  o.flagged = flagged;
  return o;
}
}  // namespace

TEST(MacroQuality, JumpAgainstMedianOfTwentyAccepted) {
  std::vector<MacroObservation> history;
  for (int i = 0; i < 20; ++i) history.push_back(obs(i, 64 + (i % 3)));
  std::vector<MacroObservation> incoming = {obs(20, 21.0), obs(21, 66.0)};
  auto flags = check_macro_quality(brent(), history, incoming);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].rule, "jump");
  EXPECT_EQ(format_date(flags[0].observation_date), "2024-01-21");
  EXPECT_TRUE(incoming[0].flagged);
  EXPECT_FALSE(incoming[1].flagged);
}

TEST(MacroQuality, NoJumpCheckBeforeTwentyObservations) {
  std::vector<MacroObservation> history;
  for (int i = 0; i < 19; ++i) history.push_back(obs(i, 65));
  std::vector<MacroObservation> incoming = {obs(19, 21.0)};
  EXPECT_TRUE(check_macro_quality(brent(), history, incoming).empty());
}

TEST(MacroQuality, FlaggedHistoryDoesNotCountAsAccepted) {
  std::vector<MacroObservation> history;
  for (int i = 0; i < 20; ++i) history.push_back(obs(i, 65));
  history.push_back(obs(20, 200, /*flagged=*/true));
  std::vector<MacroObservation> incoming = {obs(21, 66)};
  EXPECT_TRUE(check_macro_quality(brent(), history, incoming).empty());
}

TEST(MacroQuality, RangeCheck) {
  MacroVariable usdmxn;
  usdmxn.name = "usdmxn";
  usdmxn.min_value = 5;
  usdmxn.max_value = 60;
  usdmxn.max_jump = 0.30;
  std::vector<MacroObservation> incoming = {obs(0, 175000)};
  incoming[0].variable = "usdmxn";
  auto flags = check_macro_quality(usdmxn, {}, incoming);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].rule, "range");
}

TEST(MacroQuality, ExactlyAtTheBoundIsNotFlagged) {
  std::vector<MacroObservation> history;
  for (int i = 0; i < 20; ++i) history.push_back(obs(i, 50));
  std::vector<MacroObservation> incoming = {obs(20, 80)};  // |80/50 - 1| = 0.6 exactly
  EXPECT_TRUE(check_macro_quality(brent(), history, incoming).empty());
}

TEST(MacroSeries, AsOfHonoursPublicationDelay) {
  MacroSeries s({obs(0, 60), obs(1, 61), obs(2, 62, /*flagged=*/true)});
  // Value of 2024-01-02 (day 1) is available from 2024-01-03 00:00 COT = 05:00 UTC.
  EXPECT_EQ(s.as_of(*parse_timestamp("2024-01-02T17:55:00Z"))->value, 60);
  EXPECT_EQ(s.as_of(*parse_timestamp("2024-01-03T05:00:00Z"))->value, 61);
  EXPECT_EQ(s.as_of(*parse_timestamp("2024-01-09T13:00:00Z"))->value,
            61);  // flagged day 2 excluded
  EXPECT_FALSE(s.as_of(*parse_timestamp("2024-01-01T13:00:00Z")));
  EXPECT_EQ(s.available_at_time(*parse_timestamp("2024-01-03T13:00:00Z")).size(), 2u);
}
