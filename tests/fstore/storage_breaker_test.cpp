// The storage circuit breaker: error rate over a sliding minute, fail fast while open, and the
// service in front of a database that cannot be reached.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "fstore/feature_service.hpp"
#include "store/pg_feature_repository.hpp"
#include "support/reference_clock.hpp"

using namespace usdcop;
using namespace usdcop::fstore;

namespace {
Timestamp t0() {
  return parse_timestamp_or_throw("2025-06-02T12:00:00Z", "t0");
}
}  // namespace

TEST(StorageBreaker, OpensAboveTenPercentErrorsOverTheLastMinute) {
  Timestamp now = t0();
  usdcop::testing::ReferenceClock clock(now);
  StorageBreaker b(clock);
  for (int i = 0; i < 90; ++i) b.record(true);
  for (int i = 0; i < 10; ++i) b.record(false);  // 10 % exactly: still closed
  EXPECT_FALSE(b.is_open());
  EXPECT_NO_THROW(b.before_call());
  b.record(false);  // 11 / 101 > 10 %
  EXPECT_TRUE(b.is_open());
  try {
    b.before_call();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_NE(std::string(e.what()).find("circuit open"), std::string::npos);
  }
  now += std::chrono::seconds(31);  // open_for passed: calls go through, a fresh window
  EXPECT_NO_THROW(b.before_call());
  EXPECT_EQ(b.error_rate(), 0);
}

TEST(StorageBreaker, OldCallsLeaveTheWindow) {
  Timestamp now = t0();
  usdcop::testing::ReferenceClock clock(now);
  StorageBreaker b(clock);
  for (int i = 0; i < 9; ++i) b.record(false);  // fewer than min_calls: no verdict
  EXPECT_FALSE(b.is_open());
  now += std::chrono::seconds(61);
  for (int i = 0; i < 20; ++i) b.record(true);
  EXPECT_EQ(b.error_rate(), 0);
  EXPECT_FALSE(b.is_open());
}

TEST(StorageBreaker, ServiceFailsFastWhenTheDatabaseIsUnreachable) {
  // A real repository on a socket directory where no server listens.
  store::ConnectionPool pool("postgresql:///usdcop?host=/nonexistent/usdcop-socket&port=1", 1,
                             std::chrono::milliseconds(200));
  store::PgFeatureRepository repo(pool);
  Timestamp now = t0();
  usdcop::testing::ReferenceClock clock(now);
  FeatureService service(repo, clock);
  for (int i = 0; i < 10; ++i) {
    try {
      service.latest("cex/agg/perp_oi_usd");
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::unavailable);
      EXPECT_EQ(std::string(e.what()).find("circuit open"), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(service.breaker().is_open());
  const auto opened = pool.connections_opened();
  try {
    service.query(QueryRequest::from_json({{"featureIds", {"cex/agg/perp_oi_usd"}}}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);  // the API's 503
    EXPECT_NE(std::string(e.what()).find("circuit open"), std::string::npos) << e.what();
  }
  EXPECT_EQ(pool.connections_opened(), opened);  // nothing reached the database
}
