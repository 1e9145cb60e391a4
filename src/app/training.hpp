#pragma once
// Build a dataset and train (spec 03; docs/TRAINING.md). Datasets are read from stored
// feature rows and bars (features are never recomputed here) and recorded in
// ml.experiment_runs; a training run writes a verified run directory, recording its start,
// interruption or failure and its metrics.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "app/caller.hpp"
#include "app/progress.hpp"
#include "learn/dataset.hpp"
#include "learn/training_run.hpp"

namespace usdcop::app {

class Services;

struct DatasetRequest {
  learn::ExperimentConfig config;
  std::filesystem::path out;  // default: <root>/<experiment>-<hash12>
  std::filesystem::path root = "datasets";
};
struct BuiltDataset {
  std::filesystem::path dir;  // absolute
  std::string run_id;         // dataset_<experiment>_<hash12> in ml.experiment_runs
  nlohmann::json info;        // dataset.json
};
BuiltDataset build_dataset(Services& services, const DatasetRequest& request);

struct TrainRequest {
  // The authenticated trainer (an operator at least; run.json `trained_by`, who may then not
  // cast the manual vote on its promotion). Empty: trained unattributed.
  std::optional<Caller> caller;
  std::filesystem::path config_file;  // an experiment file; or:
  std::filesystem::path resume_dir;   // an interrupted run directory to continue
  std::optional<std::uint64_t> seed;
  std::optional<std::int64_t> timesteps;
  std::optional<int> threads;
  std::filesystem::path out;                // default: runs/<run_id>
  std::filesystem::path dataset_dir;        // default: built from the database into <run>/dataset
  const std::atomic<bool>* stop = nullptr;  // set: checkpoint and return interrupted
};
struct TrainOutcome {
  learn::TrainingRunResult result;
  std::filesystem::path run_dir;
  bool interrupted = false;
  std::string model_hash;  // of the verified run directory (empty when interrupted)
};
// Errors: invalid_input (neither config nor resume), conflict (`out` not empty), and those of
// the experiment file, the dataset and the trainer.
TrainOutcome train(Services& services, const TrainRequest& request, TrainingObserver& observer);

}  // namespace usdcop::app
