#pragma once
// Persistence port for ml.experiment_runs (one row per dataset build or training run),
// implemented by store::PgExperimentRunStore.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace usdcop::learn {

struct ExperimentRunRecord {
  std::string run_id;
  std::string kind;  // "dataset" | "training"
  std::string experiment;
  std::optional<std::string> parent_run_id;  // a training run's dataset run
  std::string status = "running";            // running | completed | failed | interrupted
  nlohmann::json config = nlohmann::json::object();
  std::string artifact_uri;  // the directory
  std::string dataset_hash, norm_stats_hash, feature_order_hash, builder_version;
  std::optional<std::int64_t> seed;
  nlohmann::json metrics = nlohmann::json::object();
  bool finished = false;  // sets finished_at = now()
};

class ExperimentRunStore {
 public:
  virtual ~ExperimentRunStore() = default;
  // Insert or update by run_id (a resumed run updates its row).
  virtual void record(const ExperimentRunRecord& run) = 0;
  virtual std::optional<ExperimentRunRecord> find(const std::string& run_id) const = 0;
};

}  // namespace usdcop::learn
