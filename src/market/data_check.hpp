#pragma once
// `usdcop data check`: bar coverage against the session calendar, rejects, flags, close-only
// bar share, and macro staleness and flags. The report is computed here from what the
// DataQualitySource port returns (store implements it).
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "market/bar_store.hpp"
#include "market/macro_catalog.hpp"
#include "market/macro_store.hpp"

namespace usdcop::market {

struct DayBarCount {
  Date day;      // COT date
  int bars = 0;  // session-hour bars stored that day
  int flat = 0;  // of which O=H=L=C
};

class DataQualitySource {
 public:
  virtual ~DataQualitySource() = default;
  // Per COT day with at least one bar in [from, to).
  virtual std::vector<DayBarCount> bar_counts_by_day(Timestamp from, Timestamp to) = 0;
  // Rejected rows whose bar time is in [from, to), by reason; rows without a parseable time
  // are counted under "(no time)" when rejected_at is in [from, now].
  virtual std::map<std::string, long> rejected_by_reason(Timestamp from, Timestamp to) = 0;
  virtual std::vector<BarFlag> bar_flags(Timestamp from, Timestamp to) = 0;
};

struct DataCheckOptions {
  Timestamp from, to;          // [from, to)
  double min_coverage = 0.95;  // below: the check fails (exit 3)
};

struct MacroStatus {
  std::string variable;
  std::optional<Date> last_date;  // newest observation available at `to`
  std::optional<Timestamp> available_at;
  double age_days = 0;
  int stale_days = 0;
  bool stale = true;
};

struct DataCheckReport {
  Timestamp from, to;
  long expected_bars = 0;
  long present_bars = 0;  // bars on trading days
  double coverage = 0;
  std::vector<std::pair<Date, int>>
      days_missing;       // trading days with fewer than 60 bars: (day, missing)
  long holiday_bars = 0;  // bars on Colombian holidays (accepted, flagged)
  long flat_bars = 0;
  double flat_share = 0;
  std::map<std::string, long> rejected_by_reason;
  std::map<std::string, long> flags_by_rule;
  std::vector<BarFlag> jump_flags;
  std::vector<MacroStatus> macro;
  std::vector<MacroFlag> open_macro_flags;
  double min_coverage = 0;
  bool passed() const { return coverage >= min_coverage; }
  nlohmann::json to_json() const;
  std::string summary() const;
};

DataCheckReport run_data_check(DataQualitySource& bars, MacroStore& macro,
                               const MacroCatalog& catalog, const DataCheckOptions& options);

}  // namespace usdcop::market
