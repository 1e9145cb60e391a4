#pragma once
// One stored feature vector (features.inference_features_5m): raw market values (NaN when
// missing in memory, NULL in the database), time_normalized, completeness and the names of
// the missing inputs. `position` is never stored: it is injected at decision time.
#include <array>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "features/contract.hpp"

namespace usdcop::features {

struct FeatureRow {
  Timestamp time;  // bar open, UTC
  std::array<double, kMarketFeatureCount> market{};
  double time_normalized = 0;
  bool complete = false;
  // Feature names (contract order) plus "warmup" for the first 59 bars of the history.
  std::vector<std::string> missing;
  std::string builder_version{kBuilderVersion};
};

}  // namespace usdcop::features
