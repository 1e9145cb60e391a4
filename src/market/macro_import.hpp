#pragma once
// The one path by which macro observations enter the database (master CSV, FRED, synthetic):
// parse, attach the publication delay, run the range and jump checks (spec 01) and write.
// A value failing a check is stored but flagged, and excluded from features until accepted.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "market/macro_catalog.hpp"
#include "market/macro_store.hpp"

namespace usdcop::market {

struct MacroImportReport {
  std::string source;
  long values_read = 0;
  long inserted = 0, updated = 0, unchanged = 0;
  long rejected = 0;  // unparseable values (not stored)
  std::vector<std::string> reject_samples;
  long flagged = 0;
  std::vector<MacroFlag> flags;
  std::map<std::string, long> per_variable;  // values read per variable
  std::vector<std::string> unknown_columns;  // present in the input, absent from the catalog
  double seconds = 0;
  nlohmann::json to_json() const;
  std::string summary() const;
};

// Range and jump checks for one variable over observations sorted by date. `history` holds the
// previously stored observations (flagged ones are not "accepted" and do not count toward the
// median). Returns the flags for `incoming` observations only.
std::vector<MacroFlag> check_macro_quality(const MacroVariable& var,
                                           const std::vector<MacroObservation>& history,
                                           std::vector<MacroObservation>& incoming);

class MacroImporter {
 public:
  MacroImporter(MacroStore& store, const MacroCatalog& catalog, std::string source);
  // A value as text for a catalog variable; empty text is "no observation" and skipped.
  void add(const std::string& variable, std::string_view date, std::string_view value,
           std::string_view raw);
  void add_observation(const std::string& variable, Date date, double value);
  // A line that could not be read at all (e.g. wrong field count).
  void reject_line(long line, std::string_view raw, const std::string& why);
  void note_unknown_column(const std::string& column) { report_.unknown_columns.push_back(column); }
  MacroImportReport finish();

 private:
  MacroStore& store_;
  const MacroCatalog& catalog_;
  MacroImportReport report_;
  std::map<std::string, std::vector<MacroObservation>> incoming_;
};

}  // namespace usdcop::market
