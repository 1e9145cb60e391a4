#include <gtest/gtest.h>

#include <cmath>

#include "market/bar_validation.hpp"

using namespace usdcop;
using namespace usdcop::market;

namespace {
Bar bar(const char* t, double o, double h, double l, double c) { return Bar{*parse_timestamp(t), o, h, l, c, 0}; }
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
  EXPECT_EQ(reason(bar("2024-01-06T13:00:00Z", 3900, 3905, 3899, 3901)), "out_of_session");  // Saturday
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
