#include "fstore/feature_spec.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include "core/config.hpp"
#include "core/error.hpp"

namespace usdcop::fstore {

namespace {

using nlohmann::json;

const std::vector<std::string>& entities() {
  static const std::vector<std::string> e{"asset", "pair", "market", "macro"};
  return e;
}
const std::vector<std::string>& source_classes() {
  static const std::vector<std::string> c{"onchain", "cex", "macro", "derived"};
  return c;
}

bool one_of(const std::vector<std::string>& set, const std::string& v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

[[noreturn]] void bad(const std::string& where, const std::string& field, const std::string& why) {
  throw Error(ErrorKind::invalid_input, where + ": field '" + field + "' " + why);
}

std::string req_string(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_string() || j[key].get<std::string>().empty())
    bad(where, key, "must be a non-empty string");
  return j[key].get<std::string>();
}

std::string string_or(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || j[key].is_null()) return "";
  if (!j[key].is_string()) bad(where, key, "must be a string");
  return j[key].get<std::string>();
}

void parse_quality(FeatureSpec& s, const json& j, const std::string& where) {
  if (!j.contains("quality") || !j["quality"].is_object())
    bad(where, "quality", "must be an object");
  const auto& q = j["quality"];
  const auto& r = q.value("expected_range", json());
  if (!r.is_array() || r.size() != 2 || !r[0].is_number() || !r[1].is_number())
    bad(where, "quality.expected_range", "must be [lo, hi] numbers");
  s.range_lo = r[0].get<double>();
  s.range_hi = r[1].get<double>();
  if (!std::isfinite(s.range_lo) || !std::isfinite(s.range_hi) || !(s.range_lo < s.range_hi))
    bad(where, "quality.expected_range", "must be finite with lo < hi");
  if (q.contains("seasonal")) {
    if (!q["seasonal"].is_boolean()) bad(where, "quality.seasonal", "must be a boolean");
    s.seasonal = q["seasonal"].get<bool>();
  }
}

void parse_source(FeatureSpec& s, const json& j, const std::string& where) {
  if (!j.contains("source") || !j["source"].is_object()) bad(where, "source", "must be an object");
  const auto& src = j["source"];
  s.source.id = req_string(src, "id", where + ".source");
  s.source.klass = req_string(src, "class", where + ".source");
  s.source.schema = string_or(src, "schema", where + ".source");
  if (!one_of(source_classes(), s.source.klass))
    bad(where, "source.class",
        "must be one of onchain|cex|macro|derived, got '" + s.source.klass + "'");
}

}  // namespace

json FeatureSpec::to_json() const {
  return json{{"id", id},
              {"entity", entity},
              {"description", description},
              {"unit", unit},
              {"frequency", frequency},
              {"ttl_ms", ttl_ms},
              {"tags", tags},
              {"source", {{"id", source.id}, {"class", source.klass}, {"schema", source.schema}}},
              {"quality", {{"expected_range", {range_lo, range_hi}}, {"seasonal", seasonal}}},
              {"version", version},
              {"active", active}};
}

FeatureSpec FeatureSpec::from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw Error(ErrorKind::invalid_input, where + ": must be an object");
  FeatureSpec s;
  s.id = req_string(j, "id", where);
  if (!valid_feature_id(s.id)) bad(where, "id", "must match [a-z0-9_/]+, got '" + s.id + "'");
  s.entity = req_string(j, "entity", where);
  if (!one_of(entities(), s.entity))
    bad(where, "entity", "must be one of asset|pair|market|macro, got '" + s.entity + "'");
  s.description = string_or(j, "description", where);
  s.unit = req_string(j, "unit", where);
  s.frequency = req_string(j, "frequency", where);
  if (!valid_frequency(s.frequency))
    bad(where, "frequency",
        "must be one of tick|1m|5m|1h|1d|1b|1w|1mo|1q, got '" + s.frequency + "'");
  if (!j.contains("ttl_ms") || !j["ttl_ms"].is_number_integer() || j["ttl_ms"].get<int64_t>() <= 0)
    bad(where, "ttl_ms", "must be a positive integer (milliseconds)");
  s.ttl_ms = j["ttl_ms"].get<int64_t>();
  if (j.contains("tags")) {
    if (!j["tags"].is_array()) bad(where, "tags", "must be a list of strings");
    for (const auto& t : j["tags"]) {
      if (!t.is_string() || t.get<std::string>().empty())
        bad(where, "tags", "must hold non-empty strings");
      s.tags.push_back(t.get<std::string>());
    }
  }
  parse_source(s, j, where);
  parse_quality(s, j, where);
  if (j.contains("version")) {
    if (!j["version"].is_number_integer() || j["version"].get<int>() <= 0)
      bad(where, "version", "must be a positive integer");
    s.version = j["version"].get<int>();
  }
  if (j.contains("active")) s.active = j["active"].get<bool>();
  if (is_platform_macro_input(s.id) && s.source.klass != "macro")
    bad(where, "source.class", "must be 'macro' for a platform macro input (" + s.id + ")");
  return s;
}

bool FeatureSpec::same_definition(const FeatureSpec& o) const {
  auto a = to_json(), b = o.to_json();
  for (auto* x : {&a, &b}) {
    x->erase("version");
    x->erase("active");
  }
  return a == b;
}

bool is_platform_macro_input(std::string_view id) {
  return id.starts_with(kPlatformMacroPrefix) && id.size() > kPlatformMacroPrefix.size();
}

std::string platform_macro_variable(std::string_view id) {
  if (!is_platform_macro_input(id)) return "";
  return std::string(id.substr(kPlatformMacroPrefix.size()));
}

bool valid_feature_id(std::string_view id) {
  if (id.empty() || id.size() > 200) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '/';
  });
}

bool valid_frequency(std::string_view f) {
  static const std::set<std::string_view> ok{"tick", "1m", "5m",  "1h", "1d",
                                             "1b",   "1w", "1mo", "1q"};
  return ok.contains(f);
}

std::chrono::milliseconds frequency_step(std::string_view f) {
  using namespace std::chrono;
  if (f == "1m") return minutes(1);
  if (f == "5m") return minutes(5);
  if (f == "1h") return hours(1);
  if (f == "1d" || f == "1b") return days(1);
  if (f == "1w") return days(7);
  if (f == "1mo") return duration_cast<milliseconds>(days(365) / 12.0 + hours(6) / 12.0);
  if (f == "1q") return duration_cast<milliseconds>(days(365) / 4.0 + hours(6) / 4.0);
  return milliseconds(0);
}

std::optional<double> expected_points(std::string_view f, Timestamp since, Timestamp until) {
  using namespace std::chrono;
  if (until <= since) return 0.0;
  if (f == "1b") {
    // Weekday UTC midnights in [since, until).
    auto d = floor<days>(since);
    if (utc_midnight(d) < since) d += days(1);
    double n = 0;
    for (; utc_midnight(d) < until; d += days(1)) {
      const weekday wd{d};
      if (wd != Saturday && wd != Sunday) n += 1;
    }
    return n;
  }
  const auto step = frequency_step(f);
  if (step.count() == 0) return std::nullopt;
  return std::floor(duration<double>(until - since) / duration<double>(step));
}

ValueBounds publish_bounds(const FeatureSpec& s) {
  const double mid = (s.range_lo + s.range_hi) / 2, half = (s.range_hi - s.range_lo) / 2;
  return {mid - 10 * half, mid + 10 * half};
}

bool CatalogFilter::matches(const FeatureSpec& s) const {
  if (entity && s.entity != *entity) return false;
  if (frequency && s.frequency != *frequency) return false;
  if (tags.empty()) return true;
  for (const auto& t : tags)
    if (std::find(s.tags.begin(), s.tags.end(), t) != s.tags.end()) return true;
  return false;
}

std::vector<std::string> split_tags(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    auto part = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<FeatureSpec> load_catalog_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorKind::not_found, "catalog file " + path.string() + " cannot be read");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw Error(ErrorKind::invalid_input,
                "catalog file " + path.string() + " is not JSON: " + e.what());
  }
  if (!j.contains("features") || !j["features"].is_array())
    throw Error(ErrorKind::invalid_input, path.string() + ": field 'features' must be a list");
  std::vector<FeatureSpec> out;
  std::set<std::string> ids;
  for (size_t i = 0; i < j["features"].size(); ++i) {
    const auto where = path.filename().string() + " features[" + std::to_string(i) + "]";
    auto spec = FeatureSpec::from_json(j["features"][i], where);
    if (!ids.insert(spec.id).second)
      throw Error(ErrorKind::invalid_input, where + ": duplicate id '" + spec.id + "'");
    out.push_back(std::move(spec));
  }
  return out;
}

std::filesystem::path default_catalog_path() {
  return config_dir() / "features.catalog.json";
}

}  // namespace usdcop::fstore
