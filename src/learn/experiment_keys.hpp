#pragma once
// Every key of an experiment file (config/experiments/NAME.yaml) in ONE table: its path, type,
// range and default. parse_experiment_config validates a file against it (unknown keys are
// refused with the closest valid name, every value is type- and range-checked), applies the
// defaults from it and resolved_yaml writes every key from it. Adding a key = one row here
// plus the struct member it binds to.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "learn/ppo_config.hpp"

namespace usdcop::learn {

struct ExperimentConfig;

enum class KeyType { integer, real, boolean, choice, int_list };

// Where a key's value lives in ExperimentConfig.
using ExperimentField = std::variant<int*, std::int64_t*, std::uint64_t*, double*, bool*,
                                     std::string*, std::vector<int>*, PpoBackendKind*>;

struct ExperimentKey {
  std::string_view path;  // "ppo.learning_rate"
  KeyType type;
  std::string_view default_value;  // YAML text, parsed like a value from a file
  double min = 0, max = 0;         // numbers and list elements; inclusive unless min_open
  bool min_open = false;           // (min, max] instead of [min, max]
  std::string_view choices;        // choice: "native|libtorch"
  ExperimentField (*field)(ExperimentConfig&) = nullptr;
  std::string_view meaning;
};

// The table, in file order. `experiment` and `dataset.splits` (required, structured) are
// checked by parse_experiment_config itself.
std::span<const ExperimentKey> experiment_keys();

// "must be in (0, 1]", "one of native|libtorch" ... for messages and docs.
std::string describe_range(const ExperimentKey& key);

// The known key nearest to `path` by edit distance (for "did you mean ...?").
std::string closest_key(std::string_view path);

}  // namespace usdcop::learn
