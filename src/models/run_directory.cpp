#include "models/run_directory.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/sha256.hpp"

#include "trading/run_artifacts.hpp"

namespace usdcop::models {

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in)
    throw Error(ErrorKind::integrity, p.filename().string() + ": missing from the run directory " +
                                          p.parent_path().string());
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::string text_field(const nlohmann::json& j, const char* key, bool required = true) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required)
      throw Error(ErrorKind::invalid_input,
                  std::string("run.json: field '") + key + "' is missing");
    return "";
  }
  if (!j[key].is_string())
    throw Error(ErrorKind::invalid_input,
                std::string("run.json: field '") + key + "' must be a string");
  return j[key].get<std::string>();
}

std::optional<Date> date_field(const nlohmann::json& j, const char* key) {
  const std::string s = text_field(j, key, false);
  if (s.empty()) return std::nullopt;
  auto d = parse_date(s);
  if (!d)
    throw Error(ErrorKind::invalid_input,
                std::string("run.json: field '") + key + "' is not a YYYY-MM-DD date");
  return d;
}

void require_hash(const std::string& what, const std::string& value) {
  if (value.size() != 64 || value.find_first_not_of("0123456789abcdef") != std::string::npos)
    throw Error(ErrorKind::invalid_input,
                "run.json: field '" + what + "' must be 64 lowercase hex digits");
}

void check_file_hash(const fs::path& dir, const std::string& file, const std::string& expected) {
  const fs::path p = dir / file;
  if (!fs::exists(p))
    throw Error(ErrorKind::integrity, file + ": missing from the run directory " + dir.string());
  const std::string actual = sha256_file_hex(p);
  if (actual != expected)
    throw Error(ErrorKind::integrity,
                file + ": sha256 " + actual + " does not match the recorded " + expected);
}

nlohmann::json yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& kv : n) j[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      return j;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& e : n) j.push_back(yaml_to_json(e));
      return j;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted
      if (s == "true" || s == "false") return s == "true";
      try {
        std::size_t used = 0;
        const long long i = std::stoll(s, &used);
        if (used == s.size()) return i;
        const double d = std::stod(s, &used);
        if (used == s.size()) return d;
      } catch (const std::exception&) {
      }
      return s;
    }
    default:
      return nullptr;
  }
}

}  // namespace

nlohmann::json yaml_text_to_json(const std::string& yaml_text) {
  try {
    return yaml_to_json(YAML::Load(yaml_text));
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::invalid_input, std::string("config.yaml: not valid YAML: ") + e.what());
  }
}

RunDescription read_run_directory(const fs::path& dir_in) {
  if (!fs::is_directory(dir_in))
    throw Error(ErrorKind::not_found, dir_in.string() + " is not a directory", "run_dir");
  const fs::path dir = fs::absolute(dir_in).lexically_normal();
  RunDescription d;
  d.directory = dir;
  try {
    d.run = nlohmann::json::parse(read_text(dir / "run.json"));
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorKind::invalid_input, std::string("run.json: not valid JSON: ") + e.what());
  }
  if (!d.run.is_object()) throw Error(ErrorKind::invalid_input, "run.json: must be a JSON object");
  if (text_field(d.run, "format") != "usdcop-run-v1")
    throw Error(ErrorKind::invalid_input, "run.json: field 'format' must be usdcop-run-v1");
  d.run_id = text_field(d.run, "run_id");
  d.experiment = text_field(d.run, "experiment", false);
  d.algorithm = text_field(d.run, "algorithm", false);
  if (d.algorithm.empty()) d.algorithm = "ppo";
  d.builder_version = text_field(d.run, "builder_version");
  d.feature_order_hash = text_field(d.run, "feature_order_hash");
  d.norm_stats_hash = text_field(d.run, "norm_stats_hash");
  d.dataset_hash = text_field(d.run, "dataset_hash", false);
  d.model_hash = text_field(d.run, "model_hash");
  require_hash("model_hash", d.model_hash);
  require_hash("norm_stats_hash", d.norm_stats_hash);
  require_hash("feature_order_hash", d.feature_order_hash);
  d.training_start = date_field(d.run, "training_start");
  d.training_end = date_field(d.run, "training_end");
  d.validation_start = date_field(d.run, "validation_start");
  d.validation_end = date_field(d.run, "validation_end");
  // Every artifact listed in run.json, by its sha256 (shared contract 4, owner: trading).
  (void)trading::verify_run_directory(dir);
  // The registry records these two: they must describe the files that trade.
  check_file_hash(dir, "actor.bin", d.model_hash);
  check_file_hash(dir, "norm_stats.json", d.norm_stats_hash);
  if (fs::exists(dir / "config.yaml"))
    d.hyperparameters = yaml_text_to_json(read_text(dir / "config.yaml"));
  if (fs::exists(dir / "dataset.json")) {
    try {
      d.dataset = nlohmann::json::parse(read_text(dir / "dataset.json"));
    } catch (const nlohmann::json::parse_error&) {
      d.dataset = nullptr;  // its hash verified; the registry only shows it
    }
  }
  return d;
}

void verify_registered_artifacts(const fs::path& dir, const std::string& model_hash,
                                 const std::string& norm_stats_hash) {
  const RunDescription d = read_run_directory(dir);
  if (d.model_hash != model_hash)
    throw Error(ErrorKind::integrity, "actor.bin: the run's model_hash " + d.model_hash +
                                          " differs from the registered " + model_hash);
  if (d.norm_stats_hash != norm_stats_hash)
    throw Error(ErrorKind::integrity,
                "norm_stats.json: the run's norm_stats_hash differs from the registered one");
}

int major_version(const std::string& version) {
  try {
    return std::stoi(version.substr(0, version.find('.')));
  } catch (const std::exception&) {
    throw Error(ErrorKind::invalid_input,
                "builder_version: '" + version + "' is not MAJOR.MINOR.PATCH");
  }
}

bool builder_compatible(const std::string& model_builder, const std::string& running_builder) {
  return major_version(model_builder) == major_version(running_builder);
}

}  // namespace usdcop::models
