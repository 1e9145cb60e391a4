#include "trading/run_artifacts.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/sha256.hpp"
#include "features/contract.hpp"

namespace usdcop::trading {
namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error(ErrorKind::integrity, p.string() + ": missing or unreadable");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string text_field(const nlohmann::json& j, const char* key, const std::string& file,
                       bool required) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) throw Error(ErrorKind::invalid_input, file + ": field '" + key + "' is required");
    return {};
  }
  if (!j[key].is_string())
    throw Error(ErrorKind::invalid_input, file + ": field '" + key + "' must be a string");
  return j[key].get<std::string>();
}

std::optional<Date> date_field(const nlohmann::json& j, const char* key, const std::string& file) {
  const std::string s = text_field(j, key, file, false);
  if (s.empty()) return std::nullopt;
  auto d = parse_date(s);
  if (!d)
    throw Error(ErrorKind::invalid_input, file + ": field '" + key + "' must be a YYYY-MM-DD date");
  return d;
}

}  // namespace

RunArtifacts verify_run_directory(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir))
    throw Error(ErrorKind::not_found, dir.string() + ": run directory does not exist");
  const auto run_path = dir / "run.json";
  const std::string file = run_path.string();
  if (!std::filesystem::exists(run_path))
    throw Error(ErrorKind::not_found, file + ": does not exist");
  RunArtifacts r;
  r.dir = dir;
  try {
    r.run_json = nlohmann::json::parse(read_file(run_path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::invalid_input, file + ": not valid JSON (" + e.what() + ")");
  }
  const auto& j = r.run_json;
  if (!j.is_object() || text_field(j, "format", file, true) != "usdcop-run-v1")
    throw Error(ErrorKind::invalid_input, file + ": field 'format' must be \"usdcop-run-v1\"");
  r.run_id = text_field(j, "run_id", file, true);
  r.experiment = text_field(j, "experiment", file, false);
  r.algorithm = text_field(j, "algorithm", file, false);
  if (j.contains("seed") && j["seed"].is_number_integer()) r.seed = j["seed"].get<long long>();
  r.builder_version = text_field(j, "builder_version", file, true);
  r.feature_order_hash = text_field(j, "feature_order_hash", file, true);
  r.norm_stats_hash = text_field(j, "norm_stats_hash", file, true);
  r.dataset_hash = text_field(j, "dataset_hash", file, false);
  r.model_hash = text_field(j, "model_hash", file, true);
  r.training_start = date_field(j, "training_start", file);
  r.training_end = date_field(j, "training_end", file);
  r.validation_start = date_field(j, "validation_start", file);
  r.validation_end = date_field(j, "validation_end", file);
  if (!j.contains("artifacts") || !j["artifacts"].is_object())
    throw Error(ErrorKind::invalid_input,
                file + ": field 'artifacts' must be an object of file -> sha256");
  for (const auto& [name, hash] : j["artifacts"].items()) {
    if (!hash.is_string())
      throw Error(ErrorKind::invalid_input,
                  file + ": artifacts." + name + " must be a sha256 string");
    if (name.find('/') != std::string::npos || name.find("..") != std::string::npos)
      throw Error(ErrorKind::invalid_input,
                  file + ": artifacts." + name + " must be a plain file name");
    r.artifacts[name] = hash.get<std::string>();
  }
  for (const char* needed : {"actor.json", "actor.bin", "norm_stats.json"})
    if (!r.artifacts.count(needed))
      throw Error(ErrorKind::integrity, file + ": artifacts does not list " + needed);
  for (const auto& [name, expected] : r.artifacts) {
    const auto path = dir / name;
    if (!std::filesystem::is_regular_file(path))
      throw Error(ErrorKind::integrity, path.string() + ": listed in run.json but missing");
    const std::string actual = sha256_file_hex(path);
    if (actual != expected)
      throw Error(ErrorKind::integrity, path.string() + ": sha256 " + actual +
                                            " does not match run.json (" + expected + ")");
  }
  if (r.model_hash != r.artifacts["actor.bin"])
    throw Error(ErrorKind::integrity,
                (dir / "actor.bin").string() + ": model_hash in run.json is not its sha256");
  if (r.norm_stats_hash != r.artifacts["norm_stats.json"])
    throw Error(ErrorKind::integrity, (dir / "norm_stats.json").string() +
                                          ": norm_stats_hash in run.json is not its sha256");
  check_weights_finite(dir / "actor.bin");
  return r;
}

void check_weights_finite(const std::filesystem::path& actor_bin) {
  const std::string bytes = read_file(actor_bin);
  const std::size_t n = bytes.size() / sizeof(float);
  for (std::size_t i = 0; i < n; ++i) {
    float w = 0;
    std::memcpy(&w, bytes.data() + i * sizeof(float), sizeof(float));
    if (!std::isfinite(w))
      throw Error(ErrorKind::integrity,
                  actor_bin.string() + ": weight " + std::to_string(i) + " of " +
                      std::to_string(n) +
                      " is not finite (a diverged training run); such a model cannot trade");
  }
}

PolicyBundle load_policy_bundle(const std::filesystem::path& dir) {
  PolicyBundle b;
  b.run = verify_run_directory(dir);
  if (b.run.feature_order_hash != features::feature_order_hash())
    throw Error(ErrorKind::integrity,
                (dir / "run.json").string() +
                    ": feature_order_hash differs from this binary's feature contract");
  b.norm_stats = features::parse_norm_stats(read_file(dir / "norm_stats.json"));
  features::check_compatible(b.norm_stats);
  b.policy = std::make_unique<MlpPolicy>(MlpPolicy::load(dir));
  return b;
}

}  // namespace usdcop::trading
