#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/time.hpp"

using namespace usdcop;
using namespace std::chrono;

TEST(Time, ParsesRfc3339Zulu) {
  auto t = parse_timestamp("2020-01-02T13:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(to_unix_seconds(*t), 1577970000);
  EXPECT_EQ(format_rfc3339(*t), "2020-01-02T13:00:00Z");
}

TEST(Time, ParsesRawExportFormatWithOffset) {
  auto t = parse_timestamp("2020-01-02 08:00:00+00:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2020-01-02T08:00:00Z");
}

TEST(Time, AppliesNegativeOffset) {
  auto t = parse_timestamp("2020-01-02T08:00:00-05:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2020-01-02T13:00:00Z");
  EXPECT_EQ(format_cot(*t), "2020-01-02 08:00:00 COT");
}

TEST(Time, FractionalSeconds) {
  auto t = parse_timestamp("2020-01-02T13:00:00.25Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2020-01-02T13:00:00.250000Z");
}

TEST(Time, RefusesMissingOffsetAndGarbage) {
  std::string why;
  EXPECT_FALSE(parse_timestamp("2020-01-02T13:00:00", &why));
  EXPECT_NE(why.find("offset"), std::string::npos);
  EXPECT_FALSE(parse_timestamp("2020-02-30T13:00:00Z", &why));
  EXPECT_NE(why.find("calendar"), std::string::npos);
  EXPECT_FALSE(parse_timestamp("2020-01-02T25:00:00Z"));
  EXPECT_FALSE(parse_timestamp("2020-01-02T13:00:00Zjunk"));
  EXPECT_FALSE(parse_timestamp("yesterday"));
  EXPECT_THROW(parse_timestamp_or_throw("nope", "--from"), Error);
}

TEST(Time, CotDateAndMidnight) {
  // 03:00 UTC on Jan 3 is still Jan 2 in Colombia.
  auto t = *parse_timestamp("2020-01-03T03:00:00Z");
  EXPECT_EQ(format_date(cot_date(t)), "2020-01-02");
  EXPECT_EQ(format_rfc3339(cot_midnight(*parse_date("2020-01-03"))), "2020-01-03T05:00:00Z");
  EXPECT_EQ(cot_seconds_of_day(*parse_timestamp("2020-01-02T13:05:00Z")), 8 * 3600 + 300);
}

TEST(Time, DateOrTimeFlags) {
  // A date is the COT calendar day (spec 12): it starts at 00:00 COT = 05:00 UTC, and as an
  // end bound it is inclusive (up to the next COT midnight); an RFC 3339 time is exact.
  EXPECT_EQ(format_rfc3339(parse_time_or_date("2024-01-02", "from")), "2024-01-02T05:00:00Z");
  EXPECT_EQ(format_rfc3339(parse_end_bound("2024-01-02", "to")), "2024-01-03T05:00:00Z");
  EXPECT_EQ(format_rfc3339(parse_end_bound("2024-01-02T13:00:00Z", "to")), "2024-01-02T13:00:00Z");
  EXPECT_EQ(format_rfc3339(parse_time_or_date("2024-01-02T13:00:00Z", "from")),
            "2024-01-02T13:00:00Z");
  try {
    parse_time_or_date("2024-13-02", "from");
    FAIL();
  } catch (const Error& e) {
    // The logical field, for each door to spell (the CLI prints "--from: ...").
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_EQ(e.field(), "from");
    EXPECT_NE(std::string(e.what()).find("'2024-13-02'"), std::string::npos);
  }
}
