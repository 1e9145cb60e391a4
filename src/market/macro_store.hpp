#pragma once
// Persistence port for macro observations and their data-quality flags (store implements it).
#include <optional>
#include <string>
#include <vector>

#include "market/macro.hpp"

namespace usdcop::market {

struct MacroFlag {
  std::string variable;
  Date observation_date;
  double value = 0;
  std::string rule;    // "range" or "jump"
  std::string detail;  // "brent 21 vs median 65.2 of 20 accepted: jump 0.68 > 0.5"
  std::optional<Timestamp> accepted_at;
  std::string accepted_by;
};

struct MacroWriteResult {
  long inserted = 0;
  long updated = 0;  // same (variable, date) with a different value
  long unchanged = 0;
};

class MacroStore {
 public:
  virtual ~MacroStore() = default;
  // Upserts observations and records flags, in one transaction.
  virtual MacroWriteResult write_observations(const std::vector<MacroObservation>& obs,
                                              const std::vector<MacroFlag>& flags) = 0;
  // All observations of a variable (flagged included, with flagged = true unless accepted),
  // oldest first.
  virtual std::vector<MacroObservation> load_variable(const std::string& variable) = 0;
  virtual std::vector<MacroFlag> load_flags(bool include_accepted) = 0;
  // Marks a flag accepted; returns false when there is no such open flag.
  virtual bool accept_flag(const std::string& variable, Date date, const std::string& by,
                           const std::string& reason) = 0;
};

}  // namespace usdcop::market
