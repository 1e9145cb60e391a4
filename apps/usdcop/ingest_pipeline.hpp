#pragma once
// The CLI side of ingestion: opens the database, runs records through the market importers,
// prints the report and returns the exit status (0 clean, 3 some input rejected).
#include <cstdint>
#include <string>
#include <vector>

#include "market/bar_import.hpp"
#include "market/macro_import.hpp"

namespace usdcop::cli {

struct TextBarRecord {
  long line;
  std::string raw, time, open, high, low, close, volume;
};
int import_text_bars(const std::vector<TextBarRecord>& records, const std::string& source,
                     bool replace, bool json);

struct MacroPoint {
  std::string variable;
  std::string date;
  std::string value;
  std::string raw;
};
int import_macro_points(const std::vector<MacroPoint>& points, const std::string& source,
                        bool json);

// Prints an import report and maps it to an exit status.
int finish_bar_report(const market::BarImportReport& report, bool json);
int finish_macro_report(const market::MacroImportReport& report, bool json);

// Generates the synthetic market for [from, to] and imports it through the same importers.
int import_synthetic(Date from, Date to, uint64_t seed, bool json);

// Jump bound from config/usdcop.yaml (ingest.jump_bound).
double configured_jump_bound();

// Import options from config/usdcop.yaml: ingest.jump_bound, ingest.earliest_bar_date (bars
// before it are rejected implausible_time) and now (later bars are rejected future_bar).
market::BarImportOptions configured_bar_import(std::string source, bool replace);

}  // namespace usdcop::cli
