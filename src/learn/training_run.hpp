#pragma once
// One `usdcop train` run as files (shared contract 4). The run directory holds
//   policy.pt  actor.json  actor.bin  norm_stats.json  config.yaml  dataset.json
//   training_log.csv  run.json
// run.json lists every artifact with its sha256; model_hash = sha256(actor.bin) (the weights
// that trade: the best actor by validation Sharpe). A run in progress or interrupted (Ctrl-C,
// SIGTERM, kill -9) holds policy.pt, config.yaml, training_log.csv and resume.json instead of
// run.json/actor files (the pair is rewritten every ppo.checkpoint_every updates);
// `usdcop train --resume DIR` continues it.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "learn/dataset.hpp"
#include "learn/experiment_config.hpp"
#include "learn/ppo_trainer.hpp"

namespace usdcop::learn {

struct TrainingRunRequest {
  ExperimentConfig config;            // seed/total_timesteps/threads already overridden
  std::filesystem::path dataset_dir;  // a directory written by write_dataset
  std::filesystem::path run_dir;      // created; must be empty unless resuming
  std::string run_id;
  bool resume = false;
  // The principal of the token `train` was given (run.json `trained_by`, spec 12 four-eyes);
  // empty when trained without a token.
  std::string trained_by;
  // Bars, feature rows and backtest config of the validation split (norm stats are filled in
  // from the dataset): checkpoints are selected by this backtest. Absent: by the environment.
  std::optional<ValidationReplay> validation_replay;
};

struct TrainingRunResult {
  std::string run_id;
  std::filesystem::path run_dir;
  TrainSummary summary;
  nlohmann::json run_json;  // null when interrupted
  int threads = 0;
};

// "ppo_20260125_2210_s42" (UTC minute of the start).
std::string new_run_id(std::uint64_t seed);

// Trains and writes the run directory. on_update receives every rollout's statistics (after
// the line has been appended to training_log.csv). On *stop the checkpoint and resume.json are
// written and the result has summary.interrupted set.
TrainingRunResult run_training(const TrainingRunRequest& request,
                               const std::function<void(const UpdateLog&)>& on_update,
                               const std::atomic<bool>* stop);

// Reads resume.json + config.yaml of an interrupted run.
TrainingRunRequest resume_request(const std::filesystem::path& run_dir);

// training_log.csv header and one line.
std::string training_log_header();
std::string training_log_line(const UpdateLog& log);

}  // namespace usdcop::learn
