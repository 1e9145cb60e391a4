// The automatic rollback/pause monitor with an injected clock: every trigger, the boundaries,
// minimum samples, cooldown, priority, notify-before-act and the failure path.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "models/auto_rollback_monitor.hpp"
#include "support/reference_clock.hpp"

using namespace usdcop;
using namespace usdcop::models;
using namespace std::chrono_literals;

namespace {

struct RecordingActions final : MonitorActions {
  std::vector<std::string> log;  // "notify:P1", "rollback:<trigger>", ...
  bool fail_rollback = false;
  void notify(const Alert& a) override { log.push_back("notify:" + a.severity); }
  void rollback(const TriggerFiring& f) override {
    if (fail_rollback) throw std::runtime_error("target artifacts do not verify");
    log.push_back(std::string("rollback:") + to_string(f.trigger));
  }
  void pause(const TriggerFiring& f) override {
    log.push_back(std::string("pause:") + to_string(f.trigger));
  }
  void kill(const TriggerFiring& f) override {
    log.push_back(std::string("kill:") + to_string(f.trigger));
  }
};

class MonitorTest : public ::testing::Test {
 protected:
  // Tuesday 2024-03-05 10:00 COT (15:00 UTC): market hours.
  Timestamp now = parse_timestamp_or_throw("2024-03-05T15:00:00Z", "now");
  RecordingActions actions;
  usdcop::testing::ReferenceClock clock{now};
  AutoRollbackMonitor monitor{MonitorSettings{}, clock, actions};

  void SetUp() override { monitor.on_bar(); }
  void inferences(int n, int errors, double latency_ms = 50) {
    for (int i = 0; i < n; ++i) monitor.on_inference(i < errors, latency_ms);
  }
  std::vector<Trigger> firing() {
    std::vector<Trigger> out;
    for (const auto& f : monitor.evaluate()) out.push_back(f.trigger);
    return out;
  }
};

}  // namespace

TEST_F(MonitorTest, QuietSystemFiresNothing) {
  inferences(100, 0);
  for (int i = 0; i < 9; ++i) monitor.on_trade_closed(-1);
  monitor.on_equity(100000);
  EXPECT_TRUE(firing().empty());
  EXPECT_FALSE(monitor.check().has_value());
  EXPECT_TRUE(actions.log.empty());
}

TEST_F(MonitorTest, ErrorRateExactlyFivePercentDoesNotTrigger) {
  inferences(20, 1);  // 5 %
  EXPECT_TRUE(firing().empty());
  monitor.on_inference(true, 50);  // 2 of 21 = 9.5 %
  EXPECT_EQ(firing(), std::vector<Trigger>{Trigger::inference_error_rate});
}

// The live engine reports from its own threads while the periodic check evaluates: nothing is
// lost (the tsan preset runs this under ThreadSanitizer, label `threads`).
TEST_F(MonitorTest, ReportsFromSeveralThreadsWhileCheckingAreAllCounted) {
  std::atomic<bool> done{false};
  std::thread checker([&] {
    while (!done.load()) (void)monitor.evaluate();
  });
  std::vector<std::thread> reporters;
  for (int t = 0; t < 4; ++t) {
    reporters.emplace_back([&] {
      for (int i = 0; i < 250; ++i) {
        monitor.on_inference(i % 10 == 0, 50);  // 10 % errors
        monitor.on_bar();
        monitor.on_equity(100000);
      }
    });
  }
  for (auto& r : reporters) r.join();
  done = true;
  checker.join();
  EXPECT_EQ(firing(), std::vector<Trigger>{Trigger::inference_error_rate});
  const auto outcome = monitor.check();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->firing.values.value("samples", 0), 1000) << outcome->firing.values.dump();
}

TEST_F(MonitorTest, ErrorRateNeedsTenSamples) {
  inferences(9, 9);  // 100 % errors, 9 samples
  EXPECT_TRUE(firing().empty());
  monitor.on_inference(true, 50);
  EXPECT_EQ(firing(), std::vector<Trigger>{Trigger::inference_error_rate});
}

TEST_F(MonitorTest, ErrorRateWindowIsFifteenMinutes) {
  inferences(10, 10);
  now += 15min + 1s;  // the errors leave the window
  monitor.on_bar();
  inferences(10, 0);
  EXPECT_TRUE(firing().empty());
}

TEST_F(MonitorTest, LatencyP99AboveTwoSecondsRollsBack) {
  inferences(9, 0, 100);
  monitor.on_inference(false, 2000);  // nearest-rank p99 of 10 samples = the maximum = 2000 ms
  EXPECT_TRUE(firing().empty());
  monitor.on_inference(false, 2001);  // p99 of 11 samples = 2001 ms
  EXPECT_EQ(firing(), std::vector<Trigger>{Trigger::inference_latency});
}

TEST_F(MonitorTest, LatencyNeedsTenSamplesInFiveMinutes) {
  inferences(9, 0, 5000);
  EXPECT_TRUE(firing().empty());
  now += 5min + 1s;
  monitor.on_bar();
  inferences(1, 0, 5000);  // the old nine left the 5-minute window
  EXPECT_TRUE(firing().empty());
}

TEST_F(MonitorTest, TenConsecutiveLosingTradesRollBack) {
  for (int i = 0; i < 9; ++i) monitor.on_trade_closed(-5);
  EXPECT_TRUE(firing().empty());
  monitor.on_trade_closed(0);  // a flat trade breaks the streak
  for (int i = 0; i < 9; ++i) monitor.on_trade_closed(-5);
  EXPECT_TRUE(firing().empty());
  monitor.on_trade_closed(-5);
  EXPECT_EQ(firing(), std::vector<Trigger>{Trigger::consecutive_losses});
}

TEST_F(MonitorTest, DailyDrawdownBeyondFivePercentPauses) {
  monitor.on_equity(100000);
  monitor.on_equity(95000);  // exactly -5 %
  EXPECT_TRUE(firing().empty());
  monitor.on_equity(94999);
  EXPECT_EQ(firing(), std::vector<Trigger>{Trigger::daily_drawdown});
  now += 24h;  // a new COT day starts from its own first equity
  monitor.on_bar();
  monitor.on_equity(94999);
  EXPECT_TRUE(firing().empty());
}

TEST_F(MonitorTest, NoBarForTenMinutesPausesAndSixtyKills) {
  now += 10min - 1s;
  EXPECT_TRUE(firing().empty());
  now += 1s;
  EXPECT_EQ(firing(), std::vector<Trigger>{Trigger::no_bar_pause});
  now += 50min;
  EXPECT_EQ(firing(), std::vector<Trigger>{Trigger::no_bar_kill});
}

TEST_F(MonitorTest, StaleDataOnlyCountsInMarketHours) {
  now = parse_timestamp_or_throw("2024-03-05T19:00:00Z", "now");  // 14:00 COT, closed
  EXPECT_TRUE(firing().empty());
  now = parse_timestamp_or_throw("2024-03-06T13:05:00Z",
                                 "now");  // 08:05 COT next day: 5 min since open
  EXPECT_TRUE(firing().empty());
  now = parse_timestamp_or_throw("2024-03-06T13:10:00Z", "now");  // 10 min since the open
  EXPECT_EQ(firing(), std::vector<Trigger>{Trigger::no_bar_pause});
}

TEST_F(MonitorTest, PriorityKillThenPauseThenRollback) {
  inferences(20, 20, 5000);
  for (int i = 0; i < 10; ++i) monitor.on_trade_closed(-1);
  monitor.on_equity(100000);
  monitor.on_equity(90000);
  EXPECT_EQ(firing(),
            (std::vector<Trigger>{Trigger::daily_drawdown, Trigger::inference_error_rate,
                                  Trigger::inference_latency, Trigger::consecutive_losses}));
  now += 11min;  // samples still in the 15-min window; stale data now too
  const auto outcome = monitor.check();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->firing.trigger, Trigger::no_bar_pause);
  EXPECT_EQ(actions.log, (std::vector<std::string>{"notify:P0", "pause:no_bar_10min"}));
}

TEST_F(MonitorTest, NotifiesBeforeRollingBackAndResetsTheWindows) {
  inferences(10, 10);
  const auto outcome = monitor.check();
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->acted);
  EXPECT_EQ(outcome->firing.values["errors"], 10);
  EXPECT_EQ(actions.log, (std::vector<std::string>{"notify:P1", "rollback:inference_error_rate"}));
  EXPECT_TRUE(firing().empty());  // the new model starts with empty windows
}

TEST_F(MonitorTest, CooldownHoldsEqualActionsButNotMoreSevereOnes) {
  inferences(10, 10);
  ASSERT_TRUE(monitor.check());
  actions.log.clear();
  now += 1min;
  monitor.on_bar();
  for (int i = 0; i < 10; ++i) monitor.on_trade_closed(-1);
  EXPECT_EQ(firing(), std::vector<Trigger>{Trigger::consecutive_losses});
  EXPECT_FALSE(monitor.check().has_value());  // another rollback within 60 min: held back
  now += 10min;                               // no bar for 10 min: a pause is more severe
  auto outcome = monitor.check();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->firing.action, MonitorAction::pause);
  now += 10min;
  EXPECT_FALSE(monitor.check().has_value());  // pause again: held back
  now += 40min;  // 60 min without a bar: the kill switch is more severe
  outcome = monitor.check();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->firing.action, MonitorAction::kill_switch);
  monitor.on_bar();
  now += 1min;
  EXPECT_FALSE(monitor.check().has_value());  // rollback still held back (60 min after the kill)
  now += 60min;
  monitor.on_bar();
  outcome = monitor.check();  // the cooldown is over
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->firing.trigger, Trigger::consecutive_losses);
}

TEST_F(MonitorTest, FailedRollbackNotifiesP0AndLeavesTheSystemPaused) {
  actions.fail_rollback = true;
  for (int i = 0; i < 10; ++i) monitor.on_trade_closed(-1);
  const auto outcome = monitor.check();
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->acted);
  EXPECT_TRUE(outcome->fell_back_to_pause);
  EXPECT_NE(outcome->error.find("do not verify"), std::string::npos);
  EXPECT_EQ(actions.log, (std::vector<std::string>{"notify:P1", "notify:P0",
                                                   "pause:consecutive_losing_trades"}));
}

// due() names what check() would act on (cooldown applied) without acting: an L5 batch asks it
// before each bar and ends before the bar the monitor acts at.
TEST_F(MonitorTest, DueSaysWhatTheCheckWouldDoWithoutActing) {
  EXPECT_FALSE(monitor.due().has_value());
  now += 11min;  // no bar for 11 min in market hours
  const auto due = monitor.due();
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(due->action, MonitorAction::pause);
  EXPECT_TRUE(actions.log.empty());
  EXPECT_FALSE(monitor.last_action_at().has_value());
  const auto outcome = monitor.check();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->firing.action, MonitorAction::pause);
  EXPECT_FALSE(monitor.due().has_value());  // the cooldown holds another pause back
  now += 50min;                             // 61 min without a bar: a kill is more severe
  ASSERT_TRUE(monitor.due().has_value());
  EXPECT_EQ(monitor.due()->action, MonitorAction::kill_switch);
}
