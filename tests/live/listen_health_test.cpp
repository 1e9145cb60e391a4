// The LISTEN session's circuit breaker and heartbeat bookkeeping (live::ListenHealth), on a
// steady clock moved by hand.
#include "live/listen_health.hpp"

#include <gtest/gtest.h>

using usdcop::live::BreakerState;
using usdcop::live::ListenHealth;
using usdcop::live::ListenHealthOptions;
using namespace std::chrono_literals;

namespace {

ListenHealthOptions options(int threshold = 1) {
  ListenHealthOptions o;
  o.failure_threshold = threshold;
  o.close_after = 2;
  o.heartbeat_interval = 10s;
  o.missed_after = 2;
  return o;
}

const ListenHealth::TimePoint t0{};

}  // namespace

TEST(ListenHealth, ALostSessionOpensAndTwoHeartbeatsOnTheNewSessionClose) {
  ListenHealth h(options(), t0);
  EXPECT_EQ(h.state(), BreakerState::closed);
  EXPECT_FALSE(h.polling());
  EXPECT_TRUE(h.heartbeat_due(t0));  // the first one at once
  h.heartbeat_sent(t0);
  h.heartbeat_received(t0 + 1ms);
  EXPECT_FALSE(h.heartbeat_due(t0 + 9s));
  EXPECT_TRUE(h.heartbeat_due(t0 + 10s));

  h.failed(t0 + 11s);
  EXPECT_EQ(h.state(), BreakerState::open);
  EXPECT_TRUE(h.polling());
  h.session_opened();
  EXPECT_EQ(h.state(), BreakerState::half_open);
  EXPECT_TRUE(h.polling());
  // Half-open: probes one after the other, not every interval.
  EXPECT_TRUE(h.heartbeat_due(t0 + 12s));
  h.heartbeat_sent(t0 + 12s);
  EXPECT_FALSE(h.heartbeat_due(t0 + 12s));
  h.heartbeat_received(t0 + 12s);
  EXPECT_EQ(h.state(), BreakerState::half_open);
  EXPECT_TRUE(h.heartbeat_due(t0 + 12s));
  h.heartbeat_sent(t0 + 12s);
  h.heartbeat_received(t0 + 12s);
  EXPECT_EQ(h.state(), BreakerState::closed);
  EXPECT_TRUE(h.heartbeat_ok());
}

TEST(ListenHealth, AFailureWhileHalfOpenOpensAgain) {
  ListenHealth h(options(3), t0);
  h.failed(t0);
  h.failed(t0);
  EXPECT_EQ(h.state(), BreakerState::closed) << "3 consecutive failures open it";
  h.failed(t0);
  EXPECT_EQ(h.state(), BreakerState::open);
  h.session_opened();
  h.heartbeat_sent(t0);
  h.heartbeat_received(t0);
  EXPECT_EQ(h.state(), BreakerState::half_open);
  h.failed(t0 + 1s);
  EXPECT_EQ(h.state(), BreakerState::open);
  // A new session while the breaker is closed changes nothing.
  ListenHealth closed(options(), t0);
  closed.session_opened();
  EXPECT_EQ(closed.state(), BreakerState::closed);
}

TEST(ListenHealth, AHeartbeatNotBackWithinTwoIntervalsIsMissedOnceAndOpensTheBreaker) {
  ListenHealth h(options(), t0);
  EXPECT_FALSE(h.check_missed(t0 + 1h)) << "nothing sent yet: nothing missed";
  h.heartbeat_sent(t0 + 1h);
  EXPECT_FALSE(h.check_missed(t0 + 1h + 19s));
  EXPECT_TRUE(h.heartbeat_ok());
  EXPECT_TRUE(h.check_missed(t0 + 1h + 20s));
  EXPECT_FALSE(h.heartbeat_ok());
  EXPECT_EQ(h.state(), BreakerState::open);
  EXPECT_FALSE(h.check_missed(t0 + 1h + 21s)) << "reported once";
  // Heartbeats sent while no session listened are not held against the new session.
  h.heartbeat_sent(t0 + 1h + 30s);
  h.session_opened();
  EXPECT_FALSE(h.check_missed(t0 + 1h + 55s));
  h.heartbeat_sent(t0 + 1h + 55s);
  h.heartbeat_received(t0 + 1h + 55s);
  EXPECT_TRUE(h.heartbeat_ok());
  EXPECT_FALSE(h.check_missed(t0 + 2h));
}

TEST(ListenHealth, BreakerStatesHaveTheSpecValuesAndNames) {
  EXPECT_EQ(static_cast<int>(BreakerState::closed), 0);
  EXPECT_EQ(static_cast<int>(BreakerState::half_open), 1);
  EXPECT_EQ(static_cast<int>(BreakerState::open), 2);
  EXPECT_STREQ(usdcop::live::breaker_state_name(BreakerState::half_open), "half-open");
}
