#include "market/macro_catalog.hpp"

#include "core/config.hpp"
#include "core/error.hpp"

namespace usdcop::market {
namespace {

Frequency parse_frequency(const std::string& s, const std::string& where) {
  if (s == "daily") return Frequency::daily;
  if (s == "monthly") return Frequency::monthly;
  if (s == "quarterly") return Frequency::quarterly;
  throw Error(ErrorKind::invalid_input,
              where + ".frequency '" + s + "' is not daily, monthly or quarterly");
}

MacroCatalog from_yaml(const YAML::Node& root, const std::string& file) {
  const YAML::Node vars = root["variables"];
  if (!vars || !vars.IsMap())
    throw Error(ErrorKind::invalid_input, file + ": 'variables' map is required");
  std::vector<MacroVariable> out;
  for (const auto& kv : vars) {
    MacroVariable v;
    v.name = kv.first.as<std::string>();
    const YAML::Node n = kv.second;
    const std::string where = file + ": variables." + v.name;
    v.source_column = value_or<std::string>(n, "column", "", where);
    v.fred_series = value_or<std::string>(n, "fred", "", where);
    v.frequency = parse_frequency(require<std::string>(n, "frequency", where), where);
    v.delay_days = require<int>(n, "delay_days", where);
    v.stale_days = require<int>(n, "stale_days", where);
    const YAML::Node range = n["range"];
    if (!range || !range.IsSequence() || range.size() != 2) {
      throw Error(ErrorKind::invalid_input, where + ".range must be [min, max]");
    }
    v.min_value = range[0].as<double>();
    v.max_value = range[1].as<double>();
    if (v.min_value >= v.max_value)
      throw Error(ErrorKind::invalid_input, where + ".range min must be < max");
    if (n["max_jump"]) v.max_jump = require<double>(n, "max_jump", where);
    if (v.delay_days < 0) throw Error(ErrorKind::invalid_input, where + ".delay_days must be >= 0");
    out.push_back(std::move(v));
  }
  return MacroCatalog(std::move(out));
}

}  // namespace

MacroCatalog MacroCatalog::load() {
  const auto path = config_dir() / "macro_catalog.yaml";
  return from_yaml(load_yaml(path), path.string());
}

MacroCatalog MacroCatalog::load_file(const std::string& path) {
  return from_yaml(load_yaml(path), path);
}

const MacroVariable* MacroCatalog::find(const std::string& name) const {
  for (const auto& v : vars_)
    if (v.name == name) return &v;
  return nullptr;
}
const MacroVariable* MacroCatalog::find_by_column(const std::string& column) const {
  for (const auto& v : vars_)
    if (!v.source_column.empty() && v.source_column == column) return &v;
  return nullptr;
}
const MacroVariable* MacroCatalog::find_by_fred(const std::string& series) const {
  for (const auto& v : vars_)
    if (!v.fred_series.empty() && v.fred_series == series) return &v;
  return nullptr;
}
const MacroVariable& MacroCatalog::at(const std::string& name) const {
  if (const auto* v = find(name)) return *v;
  throw Error(ErrorKind::not_found, "macro variable '" + name + "' is not in the catalog");
}

}  // namespace usdcop::market
