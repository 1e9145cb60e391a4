#include "ingest_pipeline.hpp"

#include <iostream>

#include "cli_context.hpp"
#include "cli_services.hpp"
#include "core/config.hpp"
#include "core/time.hpp"

namespace usdcop::cli {

double configured_jump_bound() {
  const auto cfg = load_config_file("usdcop.yaml");
  return value_or<double>(cfg["ingest"], "jump_bound", 0.05, "usdcop.yaml: ingest");
}

market::BarImportOptions configured_bar_import(std::string source, bool replace) {
  const auto cfg = load_config_file("usdcop.yaml");
  market::BarImportOptions o;
  o.source = std::move(source);
  o.replace = replace;
  o.jump_bound = value_or<double>(cfg["ingest"], "jump_bound", 0.05, "usdcop.yaml: ingest");
  const std::string earliest = value_or<std::string>(cfg["ingest"], "earliest_bar_date",
                                                     "2000-01-01", "usdcop.yaml: ingest");
  o.window.earliest =
      cot_midnight(parse_date_or_throw(earliest, "usdcop.yaml: ingest.earliest_bar_date"));
  o.window.now = now_utc();
  return o;
}

int finish_bar_report(const market::BarImportReport& report, bool json) {
  if (json)
    print_json(report.to_json());
  else
    std::cout << report.summary();
  return report.rejected > 0 ? kPartial : kOk;
}

int finish_macro_report(const market::MacroImportReport& report, bool json) {
  if (json)
    print_json(report.to_json());
  else
    std::cout << report.summary();
  return report.rejected > 0 ? kPartial : kOk;
}

int import_text_bars(const std::vector<TextBarRecord>& records, const std::string& source,
                     bool replace, bool json) {
  auto& db = services();
  market::BarImporter importer(db.bars(), configured_bar_import(source, replace));
  for (const auto& r : records)
    importer.add_text(r.line, r.raw, r.time, r.open, r.high, r.low, r.close, r.volume);
  return finish_bar_report(importer.finish(), json);
}

int import_macro_points(const std::vector<MacroPoint>& points, const std::string& source,
                        bool json) {
  auto& db = services();
  const auto catalog = market::MacroCatalog::load();
  market::MacroImporter importer(db.macro(), catalog, source);
  long line = 0;
  for (const auto& p : points) {
    ++line;
    if (!catalog.find(p.variable)) {
      importer.reject_line(line, p.raw, "variable '" + p.variable + "' is not in the catalog");
      continue;
    }
    importer.add(p.variable, p.date, p.value, p.raw);
  }
  return finish_macro_report(importer.finish(), json);
}

}  // namespace usdcop::cli
