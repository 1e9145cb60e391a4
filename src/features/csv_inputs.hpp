#pragma once
// Bars and macro inputs read straight from CSV files into memory (benchmarks, tests, offline
// checks), through the same importers as the database path: the same validation rejects and
// the same macro flags (flagged observations excluded).
#include <filesystem>
#include <vector>

#include "features/macro_features.hpp"
#include "market/bar.hpp"
#include "market/macro_catalog.hpp"

namespace usdcop::features {

// Valid bars of a bar CSV (as `usdcop ingest csv` would store them), oldest first.
std::vector<market::Bar> read_bars_csv(const std::filesystem::path& path);
// The seven feature variables of a wide macro master file (as `usdcop ingest macro-csv`).
MacroInputs read_macro_inputs_csv(const std::filesystem::path& path,
                                  const market::MacroCatalog& catalog);

}  // namespace usdcop::features
