#pragma once
// Ingest (spec 01): every source (a CSV file, the macro master file, the synthetic market, the
// TwelveData and FRED records a door fetched) goes through the market importers; the reports
// count what was inserted, identical or rejected (rejects are stored with the raw input).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "market/bar_import.hpp"
#include "market/macro_import.hpp"

namespace usdcop::app {

class Services;

struct BarFileRequest {
  std::filesystem::path file;  // .csv or .csv.gz: time,open,high,low,close[,volume]
  bool replace = false;        // overwrite stored bars whose values differ
};
market::BarImportReport ingest_bar_file(Services& services, const BarFileRequest& request);

// The wide daily macro master file (fecha + catalog columns).
market::MacroImportReport ingest_macro_file(Services& services, const std::filesystem::path& file);

struct SyntheticRequest {
  Date from{}, to{};  // inclusive
  uint64_t seed = 42;
};
struct SyntheticReport {
  uint64_t seed = 0;
  market::BarImportReport bars;
  market::MacroImportReport macro;
  bool rejected_any() const { return bars.rejected + macro.rejected > 0; }
};
// Generates the synthetic market for [from, to] and imports it through the same importers.
// Error(invalid_input, field "to") when to is before from.
SyntheticReport ingest_synthetic(Services& services, const SyntheticRequest& request);
// The same, but bars at or after `bars_before` are generated and not imported (the demo holds
// its last sessions back and replays them live, spec 12); the macro series is imported whole.
SyntheticReport ingest_synthetic(Services& services, const SyntheticRequest& request,
                                 std::optional<Timestamp> bars_before);

// Records as a provider returned them (text fields, validated by the importer).
struct TextBarRecord {
  long line;
  std::string raw, time, open, high, low, close, volume;
};
market::BarImportReport ingest_text_bars(Services& services,
                                         const std::vector<TextBarRecord>& records,
                                         const std::string& source, bool replace);

struct MacroPoint {
  std::string variable;
  std::string date;
  std::string value;
  std::string raw;
};
market::MacroImportReport ingest_macro_points(Services& services,
                                              const std::vector<MacroPoint>& points,
                                              const std::string& source);

// Jump bound from config/usdcop.yaml (ingest.jump_bound).
double configured_jump_bound();

// Import options from config/usdcop.yaml: ingest.jump_bound, ingest.earliest_bar_date (bars
// before it are rejected implausible_time) and `clock`'s now (later bars are rejected
// future_bar).
market::BarImportOptions configured_bar_import(std::string source, bool replace,
                                               const Clock& clock);

}  // namespace usdcop::app
