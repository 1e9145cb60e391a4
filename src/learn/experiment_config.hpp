#pragma once
// An experiment file (config/experiments/NAME.yaml): dataset splits with their embargo, the
// environment and the PPO hyper-parameters. Every value not given takes the spec 03 default.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "learn/ppo_config.hpp"
#include "learn/trading_env.hpp"

namespace usdcop::learn {

struct SplitSpec {
  std::string name;     // "train", "validation", "test"
  Date start{}, end{};  // COT dates, both inclusive
};

struct ExperimentConfig {
  std::string experiment;
  std::uint64_t seed = 42;
  std::vector<SplitSpec> splits;  // in time order; the first is the training split
  int embargo_sessions = 1;
  EnvConfig env;
  PpoConfig ppo;
  std::string yaml_text;  // the file as read (the run directory stores the resolved form)

  const SplitSpec& train() const { return splits.front(); }
  const SplitSpec* find(const std::string& name) const;
};

// Throws Error(invalid_input) naming the file and the key; refuses splits that overlap or are
// not separated by `embargo_sessions` full trading sessions, naming the two splits.
ExperimentConfig load_experiment_config(const std::filesystem::path& file);
ExperimentConfig parse_experiment_config(const std::string& yaml_text, const std::string& where);

// The resolved configuration as YAML (every default filled in) — config.yaml of a run.
std::string resolved_yaml(const ExperimentConfig& config);

// Full trading sessions strictly between two dates (core/calendar).
int sessions_between(Date after, Date before);

}  // namespace usdcop::learn
