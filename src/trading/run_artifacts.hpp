#pragma once
// A training run directory (format "usdcop-run-v1", written by `usdcop train`) as the trading
// side reads it: run.json lists every artifact with its sha256; verify_run_directory
// recomputes them all and refuses any mismatch or missing file, naming it. Live inference,
// the backtest and `models register` load only verified directories.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "features/norm_stats.hpp"
#include "trading/mlp_policy.hpp"

namespace usdcop::trading {

struct RunArtifacts {
  std::filesystem::path dir;
  std::string run_id;
  std::string experiment;
  std::string algorithm;
  long long seed = 0;
  std::string builder_version;
  std::string feature_order_hash;
  std::string norm_stats_hash;
  std::string dataset_hash;
  std::string model_hash;  // sha256 of actor.bin
  std::optional<Date> training_start, training_end, validation_start, validation_end;
  std::map<std::string, std::string> artifacts;  // file name -> sha256
  nlohmann::json run_json;
};

// Throws Error(integrity) naming the file on a missing artifact or a hash mismatch,
// Error(invalid_input) naming the field when run.json is malformed, Error(not_found) when the
// directory or run.json does not exist. actor.json, actor.bin and norm_stats.json must be
// listed; model_hash must equal the hash of actor.bin and norm_stats_hash that of
// norm_stats.json.
// Weights that are NaN or infinite (a diverged run) are refused (integrity) too.
RunArtifacts verify_run_directory(const std::filesystem::path& dir);

// Throws Error(integrity) naming the file and the index of the first non-finite float32 of
// actor.bin.
void check_weights_finite(const std::filesystem::path& actor_bin);

struct PolicyBundle {
  RunArtifacts run;
  std::unique_ptr<MlpPolicy> policy;
  features::NormStats norm_stats;
};

// verify_run_directory, then the actor and the normalization stats; refuses (integrity) stats
// built for another builder version or feature order than this binary's.
PolicyBundle load_policy_bundle(const std::filesystem::path& dir);

}  // namespace usdcop::trading
