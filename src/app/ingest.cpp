#include "app/ingest.hpp"

#include "app/services.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "market/csv_source.hpp"
#include "market/synthetic.hpp"

namespace usdcop::app {

double configured_jump_bound() {
  const auto cfg = load_config_file("usdcop.yaml");
  return value_or<double>(cfg["ingest"], "jump_bound", 0.05, "usdcop.yaml: ingest");
}

market::BarImportOptions configured_bar_import(std::string source, bool replace,
                                               const Clock& clock) {
  const auto cfg = load_config_file("usdcop.yaml");
  market::BarImportOptions o;
  o.source = std::move(source);
  o.replace = replace;
  o.jump_bound = value_or<double>(cfg["ingest"], "jump_bound", 0.05, "usdcop.yaml: ingest");
  const std::string earliest = value_or<std::string>(cfg["ingest"], "earliest_bar_date",
                                                     "2000-01-01", "usdcop.yaml: ingest");
  o.window.earliest =
      cot_midnight(parse_date_or_throw(earliest, "usdcop.yaml: ingest.earliest_bar_date"));
  o.window.now = clock.now();
  return o;
}

market::BarImportReport ingest_bar_file(Services& services, const BarFileRequest& request) {
  market::BarImporter importer(services.bars(),
                               configured_bar_import("csv:" + request.file.filename().string(),
                                                     request.replace, services.clock()));
  market::read_bar_csv(request.file.string(), importer);
  return importer.finish();
}

market::MacroImportReport ingest_macro_file(Services& services, const std::filesystem::path& file) {
  const auto catalog = market::MacroCatalog::load();
  market::MacroImporter importer(services.macro(), catalog, "csv:" + file.filename().string());
  market::read_macro_csv(file.string(), catalog, importer);
  return importer.finish();
}

SyntheticReport ingest_synthetic(Services& services, const SyntheticRequest& request) {
  return ingest_synthetic(services, request, std::nullopt);
}

SyntheticReport ingest_synthetic(Services& services, const SyntheticRequest& request,
                                 std::optional<Timestamp> bars_before) {
  if (request.to < request.from)
    throw Error(ErrorKind::invalid_input, "the last date is before the first", "to");
  const auto data = market::generate_synthetic(request.from, request.to, request.seed);
  market::BarImporter bars(services.bars(),
                           configured_bar_import("synthetic", false, services.clock()));
  long line = 0;
  for (const auto& b : data.bars) {
    if (bars_before && b.time >= *bars_before) break;  // ordered by time
    bars.add_bar(b, ++line, "");
  }
  SyntheticReport report;
  report.seed = request.seed;
  report.bars = bars.finish();
  const auto catalog = market::MacroCatalog::load();
  market::MacroImporter macro(services.macro(), catalog, "synthetic");
  for (const auto& m : data.macro) macro.add_observation(m.variable, m.observation_date, m.value);
  report.macro = macro.finish();
  return report;
}

market::BarImportReport ingest_text_bars(Services& services,
                                         const std::vector<TextBarRecord>& records,
                                         const std::string& source, bool replace) {
  market::BarImporter importer(services.bars(),
                               configured_bar_import(source, replace, services.clock()));
  for (const auto& r : records)
    importer.add_text(r.line, r.raw, r.time, r.open, r.high, r.low, r.close, r.volume);
  return importer.finish();
}

market::MacroImportReport ingest_macro_points(Services& services,
                                              const std::vector<MacroPoint>& points,
                                              const std::string& source) {
  const auto catalog = market::MacroCatalog::load();
  market::MacroImporter importer(services.macro(), catalog, source);
  long line = 0;
  for (const auto& p : points) {
    ++line;
    if (!catalog.find(p.variable)) {
      importer.reject_line(line, p.raw, "variable '" + p.variable + "' is not in the catalog");
      continue;
    }
    importer.add(p.variable, p.date, p.value, p.raw);
  }
  return importer.finish();
}

}  // namespace usdcop::app
