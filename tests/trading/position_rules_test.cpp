#include "trading/position_rules.hpp"

#include <gtest/gtest.h>

#include <chrono>

using namespace usdcop;
using trading::RuleOverride;

namespace {
// 2024-01-03 (Wednesday) 08:00 COT + n bars.
Timestamp bar(int n, int day = 0) {
  return parse_timestamp_or_throw("2024-01-03T13:00:00Z", "t") + std::chrono::minutes(5 * n) +
         std::chrono::hours(24 * day);
}
}  // namespace

TEST(PositionRules, MinHoldKeepsAnOpenPositionButNeverBlocksAnEntry) {
  trading::PositionRules rules({3, false});
  EXPECT_EQ(rules.apply(bar(0), 0, 1).target, 1);  // opening from flat is always allowed
  rules.on_bar_end(0, 1);
  for (int i = 1; i <= 2; ++i) {
    const auto r = rules.apply(bar(i), 1, -1);
    EXPECT_EQ(r.target, 1) << i;
    EXPECT_EQ(r.by, RuleOverride::kMinHold);
    rules.on_bar_end(1, 1);
  }
  const auto free = rules.apply(bar(3), 1, -1);  // held 3 bars: may reverse
  EXPECT_EQ(free.target, -1);
  EXPECT_EQ(free.by, RuleOverride::kNone);
}

TEST(PositionRules, SessionEndFlattensAndOverridesMinHold) {
  trading::PositionRules rules({100, true});
  rules.on_bar_end(0, 1);
  EXPECT_EQ(rules.apply(bar(58), 1, 1).target, 1);
  const auto last = rules.apply(bar(59), 1, 1);  // 12:55 COT
  EXPECT_EQ(last.target, 0);
  EXPECT_EQ(last.by, RuleOverride::kSessionEnd);
  const auto entry = rules.apply(bar(59), 0, -1);  // no entry on the last bar
  EXPECT_EQ(entry.target, 0);
  EXPECT_TRUE(trading::is_last_session_bar(bar(59)));
  EXPECT_FALSE(trading::is_last_session_bar(bar(58)));
  EXPECT_FALSE(trading::is_last_session_bar(bar(59, 3)));  // Saturday
  trading::PositionRules off({0, false});
  EXPECT_EQ(off.apply(bar(59), 1, 1).target, 1);  // default: held overnight
}

TEST(StartOfDayEquity, IsThePreviousSessionsLastCloseAndTheStartOnTheFirstDay) {
  trading::StartOfDayEquity sod(10000);
  const Date day0 = cot_date(bar(0)), day1 = cot_date(bar(0, 1)), day2 = cot_date(bar(0, 2));
  EXPECT_EQ(sod.for_day(day0), 10000);
  sod.on_bar_close(bar(0), 9900);
  sod.on_bar_close(bar(59), 9800);
  EXPECT_EQ(sod.for_day(day0), 10000);  // the first session of a run: the starting equity
  sod.on_bar_close(bar(61), 9000);      // 13:05 COT: not a session bar, ignored
  EXPECT_EQ(sod.for_day(day1), 9800);
  sod.on_bar_close(bar(0, 1), 9700);
  EXPECT_EQ(sod.for_day(day1), 9800);
  sod.on_bar_close(bar(59, 1), 9600);
  EXPECT_EQ(sod.for_day(day2), 9600);
}
