#pragma once
// monitor.drift_history (migration 0023, spec 08/12): the PSI of each market feature of the
// production model, written by the hourly drift job and read by retraining checks; and the
// window of the newest complete feature rows the drift is computed over.
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

struct DriftHistoryRow {
  Timestamp computed_at{};
  std::string model_id, norm_stats_hash, feature;
  double psi = 0, threshold = 0;
  bool drifted = false;
  Timestamp window_from{}, window_to{};
  int window_bars = 0;
};

struct CompleteRowsWindow {
  Timestamp first{}, last{};  // times of the oldest and newest row of the window
  int rows = 0;
};

class PgDriftHistory {
 public:
  explicit PgDriftHistory(ConnectionPool& pool) : pool_(pool) {}

  // One computation (every feature's row) in one transaction.
  void record(const std::vector<DriftHistoryRow>& rows);
  // Newest first; `feature` empty: all features.
  std::vector<DriftHistoryRow> list(const std::string& feature, Timestamp from, Timestamp to,
                                    long limit);
  // The newest `bars` complete rows of features.inference_features_5m; nullopt when none.
  std::optional<CompleteRowsWindow> newest_complete_rows(int bars);

 private:
  ConnectionPool& pool_;
};

}  // namespace usdcop::store
