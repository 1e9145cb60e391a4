#pragma once
// Feature drift of the production model (spec 08 "Drift", spec 12): the PSI of each of the 13
// market features between the model's training reference — the decile bins and proportions of
// its norm_stats.json, computed over its training split and verified by hash with the other
// artifacts — and the newest `window_bars` complete feature rows. On demand (GET
// /models/router/drift, `usdcop drift`) it only reads; record_drift (the hourly leader job,
// `usdcop drift --record`) also writes monitor.drift_history and the usdcop_feature_psi gauge.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "features/drift.hpp"
#include "store/pg_drift_history.hpp"

namespace usdcop::app {

class Services;

struct DriftRequest {
  int window_bars = features::kDriftWindowBars;  // 10..10000, field "window"
};

struct DriftReport {
  std::string model_id, model_version, norm_stats_hash;
  std::vector<features::FeatureDrift> features;  // contract order
  double threshold = features::kDriftThreshold;
  int requested_bars = 0, window_bars = 0;  // fewer than requested when the history is short
  Timestamp window_from{}, window_to{};     // oldest and newest bar of the window
  Timestamp computed_at{};                  // the Services clock
  std::vector<std::string> drifted() const;
  double max_psi() const;
};

// The report as both doors show it (`usdcop drift --json`, GET /models/router/drift).
nlohmann::json to_json(const DriftReport& report);

// Error(not_found) without a production model; Error(conflict) when no complete feature row
// exists yet; Error(integrity) when the model's artifacts do not verify; Error(invalid_input)
// on "window" out of range.
DriftReport compute_drift(Services& services, const DriftRequest& request);

// compute_drift, then one monitor.drift_history row per feature and the gauge. The live engine's
// leader (or `usdcop drift --record` from a scheduler) calls it hourly.
DriftReport record_drift(Services& services, const DriftRequest& request);

// The hourly leader job (spec 12) for a process's loop (the live engine's, `usdcop up`'s): call
// tick() on every loop turn; it runs record_drift when this process is the leader and `period`
// has passed on the Services clock since its last run (the first leader tick runs at once). A
// refusal (no production model, no complete rows, artifacts that do not verify) is kept in
// last_error() and retried next period: drift never stops trading.
class DriftJob {
 public:
  explicit DriftJob(std::chrono::seconds period = std::chrono::hours(1)) : period_(period) {}
  std::optional<DriftReport> tick(Services& services, bool leader,
                                  const DriftRequest& request = {});
  const std::string& last_error() const { return last_error_; }

 private:
  std::chrono::seconds period_;
  std::optional<Timestamp> last_run_;
  std::string last_error_;
};

struct DriftHistoryRequest {
  std::string feature;  // empty: all; else a market feature name (field "feature")
  Timestamp from{}, to{};
  long limit = 1000;
};
// Newest first.
std::vector<store::DriftHistoryRow> drift_history(Services& services,
                                                  const DriftHistoryRequest& request);

}  // namespace usdcop::app
