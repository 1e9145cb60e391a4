#pragma once
// Daily (and lower-frequency) macro observations and the as-of view the feature builder uses.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace usdcop::market {

enum class Frequency { daily, monthly, quarterly };
const char* to_string(Frequency f);

struct MacroVariable {
  std::string name;           // "dxy"
  std::string source_column;  // column of the wide master file
  std::string fred_series;    // FRED series id, empty when not on FRED
  Frequency frequency = Frequency::daily;
  int delay_days = 1;                   // available_at = (observation_date + delay) 00:00 COT
  int stale_days = 7;                   // older than this (t - available_at) is stale
  double min_value = 0, max_value = 0;  // plausible range
  std::optional<double> max_jump;       // |x / median(prev 20 accepted) - 1| limit
};

struct MacroObservation {
  std::string variable;
  Date observation_date;
  double value = 0;
  Timestamp available_at;
  std::string source;
  bool flagged = false;  // excluded from features until accepted
};

Timestamp available_at(Date observation_date, int delay_days);

// One variable's observations, oldest first, flagged ones removed: the input of as-of queries.
class MacroSeries {
 public:
  MacroSeries() = default;
  explicit MacroSeries(std::vector<MacroObservation> accepted);  // sorts by observation_date

  // The newest observation with available_at <= t.
  std::optional<MacroObservation> as_of(Timestamp t) const;
  // All observations available at t (oldest first); the last is as_of(t).
  std::span<const MacroObservation> available_at_time(Timestamp t) const;
  const std::vector<MacroObservation>& observations() const { return obs_; }

 private:
  std::vector<MacroObservation> obs_;
};

}  // namespace usdcop::market
