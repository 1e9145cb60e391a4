#pragma once
// Configuration: YAML files under the config directory, read with errors that name the file
// and the key. The directory is $USDCOP_CONFIG_DIR, else ./config, else the source tree's
// config/ (compiled in, for running from a build directory).
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>

namespace usdcop {

std::filesystem::path config_dir();
// Loads <config_dir>/<name> (e.g. "macro_catalog.yaml"); throws Error(not_found/invalid_input).
YAML::Node load_config_file(const std::string& name);
YAML::Node load_yaml(const std::filesystem::path& path);

// Reads node[key] as T; throws Error(invalid_input) naming `where.key` when absent or mistyped.
template <class T>
T require(const YAML::Node& node, const std::string& key, const std::string& where);
template <class T>
T value_or(const YAML::Node& node, const std::string& key, const T& fallback,
           const std::string& where);

// Environment variable or fallback; never logs the value (it may be a secret).
std::string env_or(const char* name, const std::string& fallback);

}  // namespace usdcop
