#pragma once
// Why bars got no decision (spec 12 "Stale data"): a bar without a complete feature row is not
// decided, which is right, but the operator must be told which feature blocked how many bars
// and, for macro features, which data-quality flag caused it. The backtest report, `evaluate`
// and `data check` print these counts; the live engine raises them as `DecisionsBlocked`.
//
// Causes, per missing feature of a blocked bar:
//   flag:<rule>       a macro input of the feature has an open (unaccepted) flag of that rule
//                     (range, jump) on an observation available at the bar and not yet stale:
//                     the flagged value was excluded, so the feature went stale or missing
//   stale_or_missing  a macro input is older than its stale limit, or has no data (no flag)
//   history           not enough history for the value (technical windows, z-score windows)
//   warmup            the first 59 bars of the history ("warmup" is then the feature name)
//   no_feature_row    the bar has no stored feature row at all (feature "(no row)")
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "features/feature_row.hpp"
#include "market/macro_catalog.hpp"
#include "market/macro_store.hpp"

namespace usdcop::features {

// The macro variables a feature reads ("brent_change_1d" -> {"brent"}); empty for technical
// features.
std::vector<std::string_view> macro_inputs_of(std::string_view feature);

// Open macro flags, placed in time by their variable's publication delay.
class FlagAttribution {
 public:
  FlagAttribution() = default;
  // Accepted flags are ignored (an accepted value feeds the features again).
  FlagAttribution(const std::vector<market::MacroFlag>& flags, const market::MacroCatalog& catalog);
  // "flag:<rule>" for the newest open flag of the feature's inputs that was available at `t`
  // and is younger than the variable's stale limit; "" when none.
  std::string flag_for(std::string_view feature, Timestamp t) const;

 private:
  struct Flagged {
    Timestamp available_at;
    std::chrono::microseconds stale_after;
    std::string rule;
  };
  std::map<std::string, std::vector<Flagged>, std::less<>> by_variable_;  // oldest first
};

struct DecisionBlocks {
  long bars = 0;                                                  // bars without a decision
  std::map<std::string, std::map<std::string, long>> by_feature;  // feature -> cause -> bars

  // A bar that got no decision: `row` null (no stored row) or incomplete.
  void add(Timestamp t, const FeatureRow* row, const FlagAttribution& flags);
  // {"bars": N, "by_feature": {"brent_change_1d": {"bars": n, "causes": {"flag:jump": n}}}}
  nlohmann::json to_json() const;
  // One line per feature, most blocked first: "brent_change_1d: 3246 bars (flag:jump 3246)".
  std::vector<std::string> lines() const;
};

}  // namespace usdcop::features
