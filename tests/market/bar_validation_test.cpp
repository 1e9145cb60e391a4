#include <gtest/gtest.h>

#include <cmath>

#include "market/bar_validation.hpp"

using namespace usdcop;
using namespace usdcop::market;

namespace {
Bar bar(const char* t, double o, double h, double l, double c) {
  return Bar{*parse_timestamp(t), o, h, l, c, 0};
}
std::string reason(const Bar& b) {
  auto p = validate_bar(b);
  return p ? p->reason : "ok";
}
}  // namespace

TEST(BarValidation, AcceptsGoodAndFlatBars) {
  EXPECT_EQ(reason(bar("2024-01-02T13:00:00Z", 3900, 3905, 3899, 3901)), "ok");
  EXPECT_EQ(reason(bar("2020-01-02T13:00:00Z", 3271.76, 3271.76, 3271.76, 3271.76)), "ok");
}

TEST(BarValidation, RejectsEachProblemWithItsReason) {
  EXPECT_EQ(reason(bar("2024-01-02T13:00:00Z", NAN, 3905, 3899, 3901)), "non_finite");
  EXPECT_EQ(reason(bar("2024-01-02T13:00:00Z", 3900, INFINITY, 3899, 3901)), "non_finite");
  EXPECT_EQ(reason(bar("2024-01-02T13:00:00Z", -1, 3905, 3899, 3901)), "non_positive");
  EXPECT_EQ(reason(bar("2024-01-02T13:00:00Z", 3900, 3898, 3899, 3899)), "inconsistent_ohlc");
  EXPECT_EQ(reason(bar("2024-01-02T13:00:00Z", 3900, 3905, 3901, 3902)), "inconsistent_ohlc");
  EXPECT_EQ(reason(bar("2024-01-02T13:00:00Z", 3900, 3901, 3899, 3902)), "inconsistent_ohlc");
  EXPECT_EQ(reason(bar("2024-01-02T13:03:00Z", 3900, 3905, 3899, 3901)), "misaligned");
  EXPECT_EQ(reason(bar("2024-01-02T08:00:00Z", 3900, 3905, 3899, 3901)), "out_of_session");
  EXPECT_EQ(reason(bar("2024-01-02T18:00:00Z", 3900, 3905, 3899, 3901)), "out_of_session");
  EXPECT_EQ(reason(bar("2024-01-06T13:00:00Z", 3900, 3905, 3899, 3901)),
            "out_of_session");  // Saturday
}

TEST(BarValidation, DetailNamesTheField) {
  auto p = validate_bar(bar("2024-01-02T13:00:00Z", 3900, 3898, 3899, 3899));
  ASSERT_TRUE(p);
  EXPECT_NE(p->detail.find("high"), std::string::npos);
}

TEST(BarValidation, HolidayBarsInSessionHoursAreValid) {
  // 2024-01-08 is Reyes Magos (moved): offshore quotes exist and are accepted (then flagged).
  EXPECT_EQ(reason(bar("2024-01-08T13:00:00Z", 3900, 3905, 3899, 3901)), "ok");
}

// Issue 11 item 5: implausible and future times are rejected with their own reasons.
TEST(BarTimeWindow, RejectsImplausibleAndUnclosedBars) {
  const BarTimeWindow w{cot_midnight(Date{std::chrono::year{2000} / 1 / 1}),
                        *parse_timestamp("2026-03-02T15:02:00Z")};
  auto why = [&](const char* t) {
    auto p = check_bar_time(bar(t, 1, 1, 1, 1), w);
    return p ? p->reason : "ok";
  };
  for (const char* t : {"0001-01-01T13:00:00Z", "1600-03-01T13:00:00Z", "1999-12-31T13:00:00Z"})
    EXPECT_EQ(why(t), "implausible_time") << t;
  EXPECT_EQ(why("2000-01-03T13:00:00Z"), "ok");
  // Open 14:55 closes 15:00 <= now 15:02: complete. Open 15:00 closes 15:05 > now.
  EXPECT_EQ(why("2026-03-02T14:55:00Z"), "ok");
  EXPECT_EQ(why("2026-03-02T15:00:00Z"), "future_bar");
  for (const char* t : {"2300-01-02T13:00:00Z", "9999-12-31T13:00:00Z"})
    EXPECT_EQ(why(t), "future_bar") << t;
  auto p = check_bar_time(bar("9999-12-31T13:00:00Z", 1, 1, 1, 1), w);
  ASSERT_TRUE(p);
  EXPECT_NE(p->detail.find("9999-12-31"), std::string::npos);
}

TEST(BarTimeWindow, DefaultStartsAt2000AndEndsNow) {
  const auto w = default_bar_time_window();
  EXPECT_EQ(format_rfc3339(w.earliest), "2000-01-01T05:00:00Z");  // 00:00 COT
  EXPECT_LE(w.now, now_utc());
}

TEST(TextExcerpt, CutsLongInputOnACharacterBoundary) {
  EXPECT_EQ(text_excerpt("short", 10), "short");
  const std::string big(1 << 20, 'x');
  const std::string e = text_excerpt(big, 200);
  EXPECT_LT(e.size(), 240u);
  EXPECT_NE(e.find("1048576 bytes"), std::string::npos);
  const std::string accented = "\xC3\xA9\xC3\xA9\xC3\xA9";  // three 2-byte characters
  EXPECT_EQ(text_excerpt(accented, 3).substr(0, 2), "\xC3\xA9");
  EXPECT_EQ(text_excerpt(accented, 3)[2], '\xE2');  // then the ellipsis, no half character
}
