#pragma once
// A training run directory (shared contract 4: run.json, actor.json, actor.bin,
// norm_stats.json, ...) as the registry reads it. Every artifact hash is verified (through
// trading::verify_run_directory) before anything is registered or rolled back to.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/time.hpp"

namespace usdcop::models {

struct RunDescription {
  std::filesystem::path directory;  // absolute
  nlohmann::json run;               // run.json as written
  std::string run_id, experiment, algorithm;
  std::string builder_version, feature_order_hash, norm_stats_hash, dataset_hash, model_hash;
  std::optional<Date> training_start, training_end, validation_start, validation_end;
  nlohmann::json hyperparameters;  // config.yaml as JSON (null when absent)
  nlohmann::json dataset;          // dataset.json (null when absent)
};

// Parses run.json and verifies every artifact; throws Error(integrity) naming the file on a
// hash mismatch or a missing artifact, Error(invalid_input) naming the field of a malformed
// run.json, Error(not_found) when the directory does not exist.
RunDescription read_run_directory(const std::filesystem::path& dir);

// Verifies the artifacts of a registered model: read_run_directory plus the registry's own
// record (model and norm-stats hashes must be the ones registered).
void verify_registered_artifacts(const std::filesystem::path& dir, const std::string& model_hash,
                                 const std::string& norm_stats_hash);

// "1.2.3" -> 1; a model is compatible with a feature builder of the same major version.
int major_version(const std::string& version);
bool builder_compatible(const std::string& model_builder, const std::string& running_builder);

nlohmann::json yaml_text_to_json(const std::string& yaml_text);

}  // namespace usdcop::models
