#pragma once
// Build features (spec 02): bring features.inference_features_5m up to date from the stored
// bars and macro observations, resuming from the builder checkpoint when its inputs are
// unchanged, rebuilding from the first stored bar otherwise. The CLI, the bench and (later) the
// live engine call the same function.
#include <functional>
#include <optional>
#include <string>

#include "core/time.hpp"

namespace usdcop::store {
class ConnectionPool;
}

namespace usdcop::app {

class Services;

struct FeatureBuildRequest {
  std::optional<Timestamp> from;     // also recompute and rewrite rows from here
  std::optional<Timestamp> to;       // fold bars with time < to (default: all stored bars)
  std::size_t chunk_rows = 20000;    // rows per write transaction; checkpoint after each
  std::function<void()> after_load;  // tests: runs once the bars are loaded (concurrent writes)
};

struct FeatureBuildReport {
  std::string mode;    // "rebuild", "resume" or "up_to_date"
  std::string reason;  // why a rebuild was needed
  long bars_folded = 0;
  long rows_written = 0, inserted = 0, updated = 0, unchanged = 0, complete_rows = 0;
  std::optional<Timestamp> first_bar, last_bar;
  double load_s = 0, compute_s = 0, write_s = 0, total_s = 0;
};

// Takes the single-writer lock (Error(conflict) when another build holds it). Error
// (invalid_input, field "to") when both bounds are given and `to` is not after `from`.
FeatureBuildReport build_features(Services& services, const FeatureBuildRequest& request);
// The same on another database (the bench's scratch database).
FeatureBuildReport build_features(store::ConnectionPool& pool, const FeatureBuildRequest& request);

}  // namespace usdcop::app
