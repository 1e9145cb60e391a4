// COPY text encoding and exact number round trips (no database needed).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "store/pg_copy.hpp"

using namespace usdcop::store;

TEST(PgCopy, EscapesTextAndRepairsInvalidUtf8) {
  std::string out;
  append_text(out, "a\tb\nc\\d\re");
  EXPECT_EQ(out, "a\\tb\\nc\\\\d\\re");
  out.clear();
  append_text(out, std::string("x\0y", 3));
  EXPECT_EQ(out, "x\xEF\xBF\xBDy");
  out.clear();
  append_text(out, "caf\xC3\xA9 \xFF\xFE ok");
  EXPECT_EQ(out, "caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD ok");
  EXPECT_EQ(sanitize_utf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(sanitize_utf8("\xE2\x82\xAC"), "\xE2\x82\xAC");
}

TEST(PgCopy, DoublesRoundTripExactly) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> d(3000.0, 5000.0);
  for (int i = 0; i < 10000; ++i) {
    const double v = d(rng);
    std::string s;
    append_double(s, v);
    EXPECT_EQ(parse_double(s), v);
  }
  for (double v : {0.1 + 0.2, 1e-300, 5e-324, 1.7976931348623157e308, -0.0, 4000.000000000001}) {
    std::string s;
    append_double(s, v);
    EXPECT_EQ(parse_double(s), v) << s;
  }
  EXPECT_TRUE(std::isinf(parse_double("Infinity")));
  EXPECT_TRUE(std::isnan(parse_double("NaN")));
  EXPECT_THROW(parse_double("12x"), std::runtime_error);
  EXPECT_EQ(parse_int("-1577970000000000"), -1577970000000000LL);
}

TEST(PgCopy, TimeBoundsAreClampedIntoPostgresRange) {
  EXPECT_EQ(to_pg_micros(usdcop::Timestamp::max()), 253402300799999999LL);
  EXPECT_EQ(to_pg_micros(usdcop::Timestamp::min()), -62135596800000000LL);
  EXPECT_EQ(to_pg_micros(usdcop::Timestamp{}), 0);
}
