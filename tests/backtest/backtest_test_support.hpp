#pragma once
// In-memory bars and feature rows for backtest tests: session bars of consecutive trading
// days with a deterministic zig-zag price path and complete rows whose first market value
// follows the last bar's return (so a policy has something to react to).
#include <chrono>
#include <cmath>
#include <vector>

#include "core/calendar.hpp"
#include "features/feature_row.hpp"
#include "market/bar.hpp"
#include "trading/policy.hpp"

namespace usdcop::test_fixture {

struct MarketData {
  std::vector<market::Bar> bars;
  std::vector<features::FeatureRow> rows;
};

inline MarketData synthetic_market(int days, const char* first_day = "2024-01-03") {
  MarketData d;
  Date day = *parse_date(first_day);
  double price = 4000;
  int n = 0;
  while (days > 0) {
    for (const auto t : session_bar_times(day)) {
      const double prev = price;
      price *= 1.0 + 0.002 * std::sin(n * 0.7) + 0.0005 * std::cos(n * 0.13);
      d.bars.push_back({t, prev, std::max(prev, price), std::min(prev, price), price, 0});
      features::FeatureRow row;
      row.time = t;
      for (int k = 0; k < features::kMarketFeatureCount; ++k)
        row.market[static_cast<std::size_t>(k)] = std::sin(n * 0.3 + k);
      row.market[0] = std::log(price / prev) * 500;
      row.time_normalized = (*bar_index(t)) / 59.0;
      row.complete = true;
      d.rows.push_back(row);
      ++n;
    }
    if (!session_bar_times(day).empty()) --days;
    day += std::chrono::days(1);
  }
  return d;
}

// Plays a fixed list of actions, then 0.
class ScriptedPolicy final : public trading::Policy {
 public:
  explicit ScriptedPolicy(std::vector<double> actions) : actions_(std::move(actions)) {}
  double act(trading::Observation) override { return i_ < actions_.size() ? actions_[i_++] : 0.0; }
  std::string name() const override { return "scripted"; }

 private:
  std::vector<double> actions_;
  std::size_t i_ = 0;
};

}  // namespace usdcop::test_fixture
