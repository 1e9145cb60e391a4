#pragma once
// A training series where feature 0 is the sign of the next bar's return (+/-) and the return
// itself is noisy: a policy that follows feature 0 earns ~2 bp a bar after costs; a random
// policy loses the costs. Shared by the PPO tests of both backends.
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>

#include "core/calendar.hpp"
#include "core/time.hpp"
#include "learn/trading_env.hpp"

namespace usdcop::learn_testing {

inline std::shared_ptr<learn::EnvSeries> predictable_series(int sessions, std::uint64_t seed) {
  auto s = std::make_shared<learn::EnvSeries>();
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::bernoulli_distribution coin(0.5);
  Date day = parse_date_or_throw("2023-01-02", "test");
  for (int made = 0; made < sessions; day += std::chrono::days(1)) {
    if (!is_trading_day(day)) continue;
    for (Timestamp t : session_bar_times(day)) {
      const double sign = coin(rng) ? 1.0 : -1.0;
      std::array<float, learn::kMarketFeatures> m{};
      m[0] = static_cast<float>(sign);
      for (int k = 1; k < learn::kMarketFeatures; ++k)
        m[static_cast<std::size_t>(k)] = static_cast<float>(noise(rng));
      s->time.push_back(t);
      s->market.push_back(m);
      s->time_normalized.push_back(static_cast<float>(*bar_index(t)) / 59.0f);
      s->next_log_return.push_back(sign * 3e-4 + 2e-4 * noise(rng));
    }
    ++made;
  }
  return s;
}

}  // namespace usdcop::learn_testing
