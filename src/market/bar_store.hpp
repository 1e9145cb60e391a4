#pragma once
// Persistence port for bars, implemented by the store module (PostgreSQL).
#include <optional>
#include <string>
#include <vector>

#include "market/bar.hpp"

namespace usdcop::market {

struct RejectedBar {
  std::string source;
  long line = 0;            // 1-based line in the input, 0 when not from a file
  std::string raw;          // the input exactly as received
  std::string reason;       // reject_reason code
  std::string detail;
  std::optional<Timestamp> time;  // when it parsed
};

struct BarFlag {
  Timestamp time;
  std::string rule;    // "jump", "holiday"
  double value = 0;    // e.g. the close-to-close change
  std::string detail;
};

struct BarWriteResult {
  long inserted = 0;    // new rows
  long identical = 0;   // already stored with the same values: no-op
  long replaced = 0;    // different values overwritten (replace = true)
  std::vector<Bar> conflicts;  // different values kept as stored (replace = false)
};

class BarStore {
 public:
  virtual ~BarStore() = default;
  // Writes bars (sorted by time, unique) in one transaction with the rejects and flags.
  // Conflicting bars are returned, not written, unless replace is true.
  virtual BarWriteResult write_bars(const std::vector<Bar>& bars, const std::string& source,
                                    bool replace) = 0;
  virtual void record_rejects(const std::vector<RejectedBar>& rejects) = 0;
  // Flags already recorded for the same (time, rule) are left as they are; returns how many
  // flags are new.
  virtual long record_flags(const std::vector<BarFlag>& flags) = 0;
  // Bars with from <= time < to, oldest first.
  virtual std::vector<Bar> load_bars(Timestamp from, Timestamp to) = 0;
  // The latest stored bar strictly before t, if any.
  virtual std::optional<Bar> bar_before(Timestamp t) = 0;
};

}  // namespace usdcop::market
