#include "core/clock.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "core/error.hpp"

namespace usdcop {
namespace {

TEST(SimulatedClock, MovesOnlyWhenTold) {
  const Timestamp start = parse_timestamp_or_throw("2024-01-02T13:00:00Z", "start");
  SimulatedClock clock(start);
  EXPECT_EQ(clock.now(), start);
  clock.advance(std::chrono::minutes(5));
  EXPECT_EQ(format_rfc3339(clock.now()), "2024-01-02T13:05:00Z");
  clock.set(start);
  EXPECT_EQ(clock.now(), start);
}

TEST(SimulatedClock, AdvancesAreNotLostAcrossThreads) {
  SimulatedClock clock(Timestamp{});
  std::thread a([&] {
    for (int i = 0; i < 1000; ++i) clock.advance(std::chrono::microseconds(1));
  });
  std::thread b([&] {
    for (int i = 0; i < 1000; ++i) clock.advance(std::chrono::microseconds(1));
  });
  a.join();
  b.join();
  EXPECT_EQ(clock.now().time_since_epoch().count(), 2000);
}

TEST(SystemClock, AgreesWithNowUtcAndAdaptsToAFunction) {
  const Timestamp before = now_utc();
  const auto now = now_function(system_clock());
  const Timestamp t = now();
  EXPECT_GE(t, before);
  EXPECT_LE(t, now_utc());
}

TEST(Error, CarriesTheLogicalFieldName) {
  const Error plain(ErrorKind::not_found, "no such model");
  EXPECT_EQ(plain.field(), "");
  const Error field(ErrorKind::invalid_input, "is not a UUID", "backtest_id");
  EXPECT_EQ(field.field(), "backtest_id");
  EXPECT_EQ(field.kind(), ErrorKind::invalid_input);
  EXPECT_STREQ(field.what(), "is not a UUID");
}

}  // namespace
}  // namespace usdcop
