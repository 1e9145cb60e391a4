#pragma once
// Versioned training datasets (spec 03). A dataset directory holds:
//   dataset.bin     "USDCOPDS" + uint32 LE header length + JSON header, then one column after
//                   another, each `rows` little-endian float64 (columns and split row ranges
//                   are listed in the header; time = unix microseconds as a double, exact)
//   dataset.json    row counts per split, dropped rows by reason, hashes, builder version
//   norm_stats.json canonical JSON (spec 02) computed on the training split only
// dataset_hash = sha256(dataset.bin bytes).
#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "features/feature_row.hpp"
#include "features/norm_stats.hpp"
#include "learn/experiment_config.hpp"
#include "learn/trading_env.hpp"
#include "market/bar.hpp"

namespace usdcop::learn {

struct DatasetRow {
  Timestamp time{};
  double close = 0;
  double next_log_return = 0;  // ln(close of the next stored bar / close)
  std::array<double, features::kMarketFeatureCount> market{};  // raw, complete
  double time_normalized = 0;
};

struct DatasetSplit {
  SplitSpec spec;
  std::vector<DatasetRow> rows;
};

struct Dataset {
  std::string experiment;
  std::vector<DatasetSplit> splits;  // config order (time order); splits[0] is training
  features::NormStats norm_stats;
  std::map<std::string, long> dropped;  // reason -> rows
  int embargo_sessions = 1;
  std::string dataset_hash;  // set by write_dataset / read_dataset

  const DatasetSplit* find(const std::string& name) const;
};

// Joins complete feature rows with bars (row t needs bar t and the next stored bar for its
// return), assigns rows to splits by COT date, checks the anti-leakage assertions and computes
// the norm stats from the training split. Throws Error(invalid_input) naming the split when a
// split has no rows (a date range without data).
Dataset assemble_dataset(const ExperimentConfig& config, std::span<const features::FeatureRow> rows,
                         std::span<const market::Bar> bars);

// Writes the three files into `dir` (created) and sets dataset.dataset_hash.
void write_dataset(Dataset& dataset, const std::filesystem::path& dir);
// Reads a dataset directory, verifying dataset_hash and norm_stats against dataset.json;
// throws Error(integrity) naming the file on a mismatch.
Dataset read_dataset(const std::filesystem::path& dir);

// The environment view of one split: market features normalized with the dataset's stats
// (features::normalize_observation, the same function backtest and live use).
std::shared_ptr<EnvSeries> env_series(const Dataset& dataset, const DatasetSplit& split);

}  // namespace usdcop::learn
