#pragma once
// Small builders shared by the feature tests.
#include <bit>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "features/macro_features.hpp"
#include "market/bar.hpp"
#include "market/macro_catalog.hpp"
#include "support/test_paths.hpp"

namespace usdcop::feature_testing {

inline bool same_bits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

inline market::MacroCatalog catalog() {
  return market::MacroCatalog::load_file(
      (usdcop::testing::source_root() / "config/macro_catalog.yaml").string());
}

// Session bar i of consecutive session slots starting 2024-01-02 08:00 COT (60 per day).
inline Timestamp session_time(int i) {
  const Date day = parse_date_or_throw("2024-01-02", "day") + std::chrono::days{i / 60};
  return cot_midnight(day) + std::chrono::hours{8} + std::chrono::minutes{5 * (i % 60)};
}

inline market::Bar bar(int i, double o, double h, double l, double c) {
  return market::Bar{session_time(i), o, h, l, c, 0};
}
inline market::Bar flat(int i, double c) {
  return bar(i, c, c, c, c);
}

// Daily observations value[k] dated first_date + k days, for one variable.
inline std::vector<market::MacroObservation> daily(const std::string& var,
                                                   const std::string& first_date,
                                                   const std::vector<double>& values,
                                                   int delay_days = 1) {
  std::vector<market::MacroObservation> out;
  const Date d0 = parse_date_or_throw(first_date, "date");
  for (std::size_t k = 0; k < values.size(); ++k) {
    market::MacroObservation o;
    o.variable = var;
    o.observation_date = d0 + std::chrono::days{static_cast<int>(k)};
    o.value = values[k];
    o.available_at = market::available_at(o.observation_date, delay_days);
    o.source = "test";
    out.push_back(o);
  }
  return out;
}

}  // namespace usdcop::feature_testing
