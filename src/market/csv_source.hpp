#pragma once
// Reading delimited text files (.csv or gzip-compressed .csv.gz, detected by content) and
// feeding them to the bar and macro importers. Quoted fields are unquoted; embedded commas
// inside quotes are not used by any supported format and are treated as separators.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "market/bar_import.hpp"
#include "market/macro_import.hpp"

namespace usdcop::market {

// Whole file, decompressed when it starts with the gzip magic; throws
// Error(not_found/invalid_input).
std::string read_text_file(const std::filesystem::path& path);

// Calls fn(line_number (1-based), line, fields) for each non-empty line.
void for_each_csv_line(
    std::string_view text,
    const std::function<void(long, std::string_view, const std::vector<std::string_view>&)>& fn);

// The bar columns of a CSV header (time, open, high, low, close, optional volume; any order,
// case-insensitive). Throws Error(invalid_input) naming `where`, the line and the missing
// columns.
struct BarCsvColumns {
  size_t time = 0, open = 0, high = 0, low = 0, close = 0;
  std::optional<size_t> volume;
  size_t count = 0;  // fields per line
};
BarCsvColumns bar_csv_columns(const std::vector<std::string_view>& header, const std::string& where,
                              long line_no);
// One data line to the importer; a wrong field count is rejected `malformed`.
void add_bar_csv_line(BarImporter& importer, const BarCsvColumns& columns, long line_no,
                      std::string_view line, const std::vector<std::string_view>& fields);

// Bars: header with time, open, high, low, close and optional volume/symbol, in any order.
// Throws Error(invalid_input) when a required column is missing from the header.
void read_bar_csv(const std::filesystem::path& path, BarImporter& importer);

// Wide macro master file: `fecha` + one column per variable (catalog source columns).
void read_macro_csv(const std::filesystem::path& path, const MacroCatalog& catalog,
                    MacroImporter& importer);

}  // namespace usdcop::market
