#include <gtest/gtest.h>

#include "core/calendar.hpp"

using namespace usdcop;

namespace {
std::vector<std::string> dates(const std::vector<Holiday>& hs) {
  std::vector<std::string> out;
  for (const auto& h : hs) out.push_back(format_date(h.date));
  return out;
}
Timestamp ts(const char* s) {
  return *parse_timestamp(s);
}
}  // namespace

TEST(Calendar, EasterSundays) {
  EXPECT_EQ(format_date(easter_sunday(2024)), "2024-03-31");
  EXPECT_EQ(format_date(easter_sunday(2025)), "2025-04-20");
  EXPECT_EQ(format_date(easter_sunday(2026)), "2026-04-05");
  EXPECT_EQ(format_date(easter_sunday(2000)), "2000-04-23");
}

TEST(Calendar, Colombia2026MatchesOfficialList) {
  const std::vector<std::string> expected = {
      "2026-01-01", "2026-01-12", "2026-03-23", "2026-04-02", "2026-04-03", "2026-05-01",
      "2026-05-18", "2026-06-08", "2026-06-15", "2026-06-29", "2026-07-20", "2026-08-07",
      "2026-08-17", "2026-10-12", "2026-11-02", "2026-11-16", "2026-12-08", "2026-12-25"};
  EXPECT_EQ(dates(colombian_holidays(2026)), expected);
}

TEST(Calendar, Colombia2024And2025MatchOfficialLists) {
  // Official lists (Ley 51 de 1983).
  const std::vector<std::string> y2024 = {
      "2024-01-01", "2024-01-08", "2024-03-25", "2024-03-28", "2024-03-29", "2024-05-01",
      "2024-05-13", "2024-06-03", "2024-06-10", "2024-07-01", "2024-07-20", "2024-08-07",
      "2024-08-19", "2024-10-14", "2024-11-04", "2024-11-11", "2024-12-08", "2024-12-25"};
  const std::vector<std::string> y2025 = {
      "2025-01-01", "2025-01-06", "2025-03-24", "2025-04-17", "2025-04-18", "2025-05-01",
      "2025-06-02", "2025-06-23", "2025-06-30", "2025-07-20", "2025-08-07", "2025-08-18",
      "2025-10-13", "2025-11-03", "2025-11-17", "2025-12-08", "2025-12-25"};
  EXPECT_EQ(dates(colombian_holidays(2024)), y2024);
  // 2025: San Pedro (Jun 29, Sunday) moves to Jun 30; Reyes (Jan 6) is a Monday and stays.
  EXPECT_EQ(dates(colombian_holidays(2025)), y2025);
}

TEST(Calendar, EmilianiKeepsMondays) {
  // 2025-01-06 is a Monday: not moved to the 13th.
  EXPECT_TRUE(is_colombian_holiday(*parse_date("2025-01-06")));
  EXPECT_FALSE(is_colombian_holiday(*parse_date("2025-01-13")));
}

TEST(Calendar, UsHolidaysWithObservedDays) {
  const auto us2026 = dates(us_holidays(2026));
  EXPECT_NE(std::find(us2026.begin(), us2026.end(), "2026-07-03"), us2026.end());
  EXPECT_EQ(std::find(us2026.begin(), us2026.end(), "2026-07-04"), us2026.end());
  for (int y : {2024, 2025, 2026}) {
    bool found = false;
    for (const auto& h : us_holidays(y)) {
      if (h.name == "Memorial Day") {
        found = true;
        EXPECT_EQ(std::chrono::weekday{h.date}, std::chrono::Monday);
      }
    }
    EXPECT_TRUE(found);
  }
  EXPECT_TRUE(is_us_holiday(*parse_date("2024-05-27")));
  EXPECT_TRUE(is_us_holiday(*parse_date("2025-05-26")));
  EXPECT_TRUE(is_us_holiday(*parse_date("2026-05-25")));
  EXPECT_TRUE(is_us_holiday(*parse_date("2026-11-26")));  // Thanksgiving
  EXPECT_TRUE(is_us_holiday(*parse_date("2022-12-26")));  // Christmas on Sunday -> Monday
  EXPECT_TRUE(is_us_holiday(*parse_date("2021-12-31")));  // New Year 2022 on Saturday -> Friday
}

TEST(Calendar, SessionHasSixtyBars) {
  const auto bars = session_bar_times(*parse_date("2026-03-02"));
  ASSERT_EQ(bars.size(), 60u);
  EXPECT_EQ(format_rfc3339(bars.front()), "2026-03-02T13:00:00Z");
  EXPECT_EQ(format_rfc3339(bars.back()), "2026-03-02T17:55:00Z");
  EXPECT_TRUE(session_bar_times(*parse_date("2026-03-07")).empty());  // Saturday
  EXPECT_TRUE(session_bar_times(*parse_date("2026-03-23")).empty());  // San José
}

TEST(Calendar, BarIndex) {
  EXPECT_EQ(bar_index(ts("2026-03-02T13:00:00Z")), 0);
  EXPECT_EQ(bar_index(ts("2026-03-02T17:55:00Z")), 59);
  EXPECT_FALSE(bar_index(ts("2026-03-02T18:00:00Z")));
  EXPECT_FALSE(bar_index(ts("2026-03-02T12:55:00Z")));
  EXPECT_FALSE(bar_index(ts("2026-03-02T13:02:00Z")));
  EXPECT_FALSE(bar_index(ts("2026-03-07T13:00:00Z")));
  EXPECT_EQ(bar_index(ts("2026-03-23T13:00:00Z")), 0);  // holiday: hours are valid, day is not
  EXPECT_FALSE(is_session_bar(ts("2026-03-23T13:00:00Z")));
}

TEST(Calendar, MarketHoursEdgeCases) {
  EXPECT_FALSE(is_market_open(ts("2026-03-02T07:59:59-05:00")));
  EXPECT_TRUE(is_market_open(ts("2026-03-02T08:00:00-05:00")));
  EXPECT_TRUE(is_market_open(ts("2026-03-02T12:59:59-05:00")));
  EXPECT_FALSE(is_market_open(ts("2026-03-02T13:00:00-05:00")));
  EXPECT_FALSE(is_market_open(ts("2026-03-07T10:00:00-05:00")));  // Saturday
  EXPECT_FALSE(is_market_open(ts("2026-03-08T10:00:00-05:00")));  // Sunday
  EXPECT_FALSE(is_market_open(ts("2026-03-23T10:00:00-05:00")));  // holiday
  EXPECT_FALSE(is_market_open(ts("2026-12-25T10:00:00-05:00")));
}

TEST(Calendar, NextSessionBarSkipsWeekendAndHoliday) {
  // Friday 2026-03-20 after close -> Monday 23 is San José -> Tuesday 24 08:00 COT.
  EXPECT_EQ(format_rfc3339(next_session_bar(ts("2026-03-20T17:55:00Z"))), "2026-03-24T13:00:00Z");
  EXPECT_EQ(format_rfc3339(next_session_bar(ts("2026-03-24T13:00:00Z"))), "2026-03-24T13:05:00Z");
}
