// live::EngineMetrics on a registry of its own: usdcop_bar_close_to_decision_seconds (spec 12)
// is observed only when the engine polls its own bars, from the bar's close.
#include "live/engine_metrics.hpp"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <chrono>
#include <string>

using usdcop::Timestamp;
using usdcop::live::DecisionMetrics;
using usdcop::live::EngineMetrics;
using namespace std::chrono_literals;

namespace {

// The histogram's (count, sum), or nullopt when it has no series yet.
std::optional<std::pair<double, double>> bar_close_histogram(prometheus::Registry& r) {
  for (const auto& family : r.Collect()) {
    if (family.name != "usdcop_bar_close_to_decision_seconds") continue;
    if (family.metric.empty()) return std::nullopt;
    const auto& h = family.metric.front().histogram;
    return std::pair{static_cast<double>(h.sample_count), h.sample_sum};
  }
  return std::nullopt;
}

void decide(EngineMetrics& m, Timestamp bar_open) {
  usdcop::trading::BarOutcome outcome;
  outcome.time = bar_open;
  outcome.decided = true;
  outcome.equity = 10000;
  DecisionMetrics d;
  d.model_id = "m";
  d.outcome = &outcome;
  m.decision_committed(bar_open, d);
}

Timestamp minutes_ago(int n) {
  return std::chrono::time_point_cast<Timestamp::duration>(std::chrono::system_clock::now() -
                                                           std::chrono::minutes(n));
}

}  // namespace

TEST(EngineMetrics, BarCloseToDecisionIsObservedOnlyWhenTheEnginePollsItsBars) {
  prometheus::Registry registry;
  EngineMetrics metrics(registry);
  decide(metrics, minutes_ago(6));
  EXPECT_FALSE(bar_close_histogram(registry).has_value()) << "a replay must not observe it";

  metrics.observe_bar_close_to_decision(true);
  decide(metrics, minutes_ago(6));  // closed a minute ago
  const auto h = bar_close_histogram(registry);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->first, 1);
  EXPECT_GE(h->second, 59.0);
  EXPECT_LT(h->second, 300.0);  // from the close (60 s ago), not from the open (360 s)

  metrics.observe_bar_close_to_decision(false);
  decide(metrics, minutes_ago(6));
  EXPECT_EQ(bar_close_histogram(registry)->first, 1);
}
