#pragma once
// Data quality (spec 01): the check of a range (missing session bars, rejects, flags, macro
// staleness, and the session bars on which no decision could be taken) and the acceptance of
// a flagged macro observation (operators, audited).
#include <optional>
#include <string>

#include "app/caller.hpp"
#include "core/time.hpp"
#include "features/decision_blocks.hpp"
#include "market/data_check.hpp"

namespace usdcop::app {

class Services;

struct DataCheckRequest {
  Timestamp from{};  // inclusive
  Timestamp to{};    // exclusive; Error(invalid_input, field "to") unless after `from`
  // 0..1; none: data_check.min_coverage of config/usdcop.yaml (default 0.95)
  std::optional<double> min_coverage;
};
struct DataCheck {
  market::DataCheckReport report;
  // Session bars whose feature row is missing or incomplete, by missing feature and cause.
  features::DecisionBlocks blocked;
};
DataCheck check_data(Services& services, const DataCheckRequest& request);

struct FlagAcceptance {
  Caller caller;         // an operator
  std::string variable;  // a catalog variable (Error(invalid_input) otherwise)
  Date date{};
  std::string reason;  // at least 10 characters (field "reason")
};
// Error(not_found) when the variable has no open flag on that date.
void accept_macro_flag(Services& services, const FlagAcceptance& request);

}  // namespace usdcop::app
