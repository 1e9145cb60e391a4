#include "core/config.hpp"

#include <cstdlib>

#include "core/error.hpp"

namespace usdcop {

std::filesystem::path config_dir() {
  if (const char* dir = std::getenv("USDCOP_CONFIG_DIR"); dir && *dir) return dir;
  if (std::filesystem::is_regular_file("config/macro_catalog.yaml")) return "config";
  return std::filesystem::path(USDCOP_SOURCE_DIR) / "config";
}

YAML::Node load_yaml(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    throw Error(ErrorKind::not_found, "configuration file not found: " + path.string());
  }
  try {
    return YAML::LoadFile(path.string());
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::invalid_input, path.string() + ": " + e.what());
  }
}

YAML::Node load_config_file(const std::string& name) {
  return load_yaml(config_dir() / name);
}

template <class T>
T require(const YAML::Node& node, const std::string& key, const std::string& where) {
  const YAML::Node v = node[key];
  if (!v) throw Error(ErrorKind::invalid_input, where + "." + key + " is required");
  try {
    return v.as<T>();
  } catch (const YAML::Exception&) {
    throw Error(ErrorKind::invalid_input, where + "." + key + " has the wrong type");
  }
}

template <class T>
T value_or(const YAML::Node& node, const std::string& key, const T& fallback,
           const std::string& where) {
  if (!node || !node[key]) return fallback;
  return require<T>(node, key, where);
}

template std::string require<std::string>(const YAML::Node&, const std::string&,
                                          const std::string&);
template double require<double>(const YAML::Node&, const std::string&, const std::string&);
template int require<int>(const YAML::Node&, const std::string&, const std::string&);
template bool require<bool>(const YAML::Node&, const std::string&, const std::string&);
template std::string value_or<std::string>(const YAML::Node&, const std::string&,
                                           const std::string&, const std::string&);
template double value_or<double>(const YAML::Node&, const std::string&, const double&,
                                 const std::string&);
template int value_or<int>(const YAML::Node&, const std::string&, const int&, const std::string&);
template bool value_or<bool>(const YAML::Node&, const std::string&, const bool&,
                             const std::string&);

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : fallback;
}

}  // namespace usdcop
