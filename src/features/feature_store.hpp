#pragma once
// Persistence port for feature rows and the builder checkpoint (store::PgFeatureStore
// implements it over features.inference_features_5m and features.builder_state).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "features/feature_row.hpp"

namespace usdcop::features {

// The builder state after the last processed bar, plus what is needed to decide whether it
// can be resumed (the inputs it was built from must be unchanged).
struct BuilderCheckpoint {
  std::string builder_version{kBuilderVersion};
  Timestamp first_bar{};          // the first stored bar the fold started from (bar 0)
  Timestamp last_bar{};           // the last bar folded into `state`
  int64_t bar_count = 0;          // bars folded so far (first_bar .. last_bar)
  std::string state;              // FeatureBuilder::serialize()
  std::string bars_fingerprint;   // of stored bars <= last_bar when saved
  std::string macro_fingerprint;  // of macro observations and flags when saved
};

class FeatureStore {
 public:
  virtual ~FeatureStore() = default;
  // Idempotent upsert by time; rows must have unique times.
  virtual void upsert(std::span<const FeatureRow> rows) = 0;
  // Rows with from <= time < to, oldest first.
  virtual std::vector<FeatureRow> load(Timestamp from, Timestamp to) const = 0;
  virtual std::optional<BuilderCheckpoint> load_checkpoint() const = 0;
  virtual void save_checkpoint(const BuilderCheckpoint& checkpoint) = 0;
};

}  // namespace usdcop::features
