#pragma once
// Builds a run directory in the exact "usdcop-run-v1" format (as `usdcop train` writes it)
// for trading and backtest tests: a random-weight actor, unit normalization stats, run.json.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/sha256.hpp"
#include "features/contract.hpp"
#include "features/norm_stats.hpp"
#include "trading/mlp_policy.hpp"

namespace usdcop::test_fixture {

inline features::NormStats unit_norm_stats(const std::string& train_start = "2020-01-02",
                                           const std::string& train_end = "2024-12-30") {
  features::NormStats s;
  s.feature_order_hash = features::feature_order_hash();
  s.train_start = *parse_date(train_start);
  s.train_end = *parse_date(train_end);
  for (auto& f : s.stats) f = {0.0, 1.0};
  for (auto& p : s.psi)
    for (int k = 0; k < features::kPsiEdges; ++k) p.edges[static_cast<std::size_t>(k)] = k - 4.0;
  for (auto& p : s.psi) p.proportions.fill(0.1);
  return s;
}

inline std::filesystem::path fresh_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() /
           ("usdcop_t_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

// Writes actor.json/actor.bin (random weights of the given hidden sizes), norm_stats.json,
// config.yaml and run.json listing their hashes.
inline std::filesystem::path write_run_dir(const std::filesystem::path& dir,
                                           const std::string& run_id, uint64_t seed,
                                           std::vector<int> hidden = {32, 32},
                                           const std::string& experiment = "baseline",
                                           const std::string& train_start = "2020-01-02",
                                           const std::string& train_end = "2024-12-30") {
  std::filesystem::create_directories(dir);
  trading::MlpPolicy::random(hidden, seed, 3.0).save(dir);  // gain 3: it trades
  std::ofstream(dir / "norm_stats.json", std::ios::binary)
      << features::to_canonical_json(unit_norm_stats(train_start, train_end));
  std::ofstream(dir / "config.yaml") << "experiment: " << experiment << "\n";
  nlohmann::json artifacts;
  for (const char* f : {"actor.json", "actor.bin", "norm_stats.json", "config.yaml"})
    artifacts[f] = sha256_file_hex(dir / f);
  const nlohmann::json run = {{"format", "usdcop-run-v1"},
                              {"run_id", run_id},
                              {"experiment", experiment},
                              {"algorithm", "ppo"},
                              {"seed", seed},
                              {"builder_version", std::string(features::kBuilderVersion)},
                              {"feature_order_hash", features::feature_order_hash()},
                              {"norm_stats_hash", artifacts["norm_stats.json"]},
                              {"dataset_hash", std::string(64, '0')},
                              {"model_hash", artifacts["actor.bin"]},
                              {"training_start", train_start},
                              {"training_end", train_end},
                              {"validation_start", "2025-01-02"},
                              {"validation_end", "2025-06-30"},
                              {"artifacts", artifacts}};
  std::ofstream(dir / "run.json") << run.dump(2);
  return dir;
}

}  // namespace usdcop::test_fixture
