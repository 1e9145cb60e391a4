#pragma once
// Reads of the stored market (spec 07's /market and /features/latest, the CLI's features
// show, features export): bars of a range, the newest bar, feature rows.
#include <optional>
#include <vector>

#include "core/time.hpp"
#include "features/feature_row.hpp"
#include "market/bar.hpp"

namespace usdcop::app {

class Services;

struct BarsRequest {
  // None: the day before the newest bar before `to` (an empty result when there is none).
  std::optional<Timestamp> from;
  Timestamp to{};
  long limit = 1000;  // the newest `limit` bars of the range are returned
};
struct BarsWindow {
  std::vector<market::Bar> bars;  // oldest first
  Timestamp from{}, to{};
  bool truncated = false;    // the range held more than `limit` bars
  bool empty_store = false;  // no `from` given and no bar before `to`
};
// Error(invalid_input, field "from") for a range over 366 days.
BarsWindow bars_in_range(Services& services, const BarsRequest& request);

std::optional<market::Bar> latest_bar(Services& services);
std::optional<features::FeatureRow> latest_feature_row(Services& services);

// Stored feature rows with from <= time < to, oldest first (features export); Error(invalid_input,
// field "to") unless to is after from.
std::vector<features::FeatureRow> feature_rows_in_range(Services& services, Timestamp from,
                                                        Timestamp to);
// The row of the bar opening at `at` (features show); Error(not_found) when none is stored.
features::FeatureRow feature_row_at(Services& services, Timestamp at);

}  // namespace usdcop::app
