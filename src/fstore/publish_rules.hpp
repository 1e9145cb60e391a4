#pragma once
// The publish rejection rules of spec 10, decided per index before anything is written:
// unknown (or read-only) feature, non-finite value, value outside 10x the expected range,
// timestamp more than 5 minutes in the future (or before the retention horizon), confidence
// outside 0..1, and a duplicate of an earlier index of the same batch with a different value.
// The store adds the last rule against stored points (a duplicate with a different value).
#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "fstore/feature_catalog.hpp"
#include "fstore/feature_point.hpp"

namespace usdcop::fstore {

struct PublishLimits {
  std::chrono::milliseconds future_tolerance = std::chrono::minutes(5);
  std::optional<Timestamp> retention_horizon;  // points before it would be dropped at once
};

struct ScreenedBatch {
  std::vector<std::size_t> candidates;  // indices that passed, ascending
  std::vector<PublishError> errors;     // ascending index
};

ScreenedBatch screen_points(const std::vector<FeaturePoint>& points, const FeatureCatalog& catalog,
                            Timestamp now, const PublishLimits& limits);

// The reason recorded when a stored point at the same (feature, ts) holds another value.
std::string conflicting_duplicate_reason(double stored_value);

}  // namespace usdcop::fstore
