#pragma once
// FeatureSpec: one catalog entry of the feature store (spec 10), its validation and JSON form,
// and the seed catalog file (config/features.catalog.json).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace usdcop::fstore {

struct FeatureSource {
  std::string id;
  std::string klass;  // onchain | cex | macro | derived
  std::string schema;
};

struct FeatureSpec {
  std::string id;      // [a-z0-9_/]+
  std::string entity;  // asset | pair | market | macro
  std::string description;
  std::string unit;
  std::string frequency;  // tick | 1m | 5m | 1h | 1d | 1b | 1w | 1mo | 1q
  int64_t ttl_ms = 0;
  std::vector<std::string> tags;
  FeatureSource source;
  double range_lo = 0, range_hi = 0;  // quality.expected_range
  bool seasonal = false;
  int version = 1;
  bool active = true;

  // The catalog JSON form (as in the file and the API).
  nlohmann::json to_json() const;
  // Throws Error(invalid_input) naming `where` and the field.
  static FeatureSpec from_json(const nlohmann::json& j, const std::string& where);
  // Same definition apart from version/active: re-applying it creates no new version.
  bool same_definition(const FeatureSpec& other) const;
};

// Feature ids under this prefix are the platform's own macro inputs: read-only, served from
// market.macro_observations through the view fs.platform_macro_values.
inline constexpr std::string_view kPlatformMacroPrefix = "macro/usdcop/";
bool is_platform_macro_input(std::string_view feature_id);
std::string platform_macro_variable(std::string_view feature_id);  // "" when not one

bool valid_feature_id(std::string_view id);
bool valid_frequency(std::string_view frequency);
// The nominal spacing of points; zero for tick. 1b (business days) is one day apart on
// weekdays; expected_points() counts its weekdays.
std::chrono::milliseconds frequency_step(std::string_view frequency);
// Points a feature of this frequency should have in [since, until); nullopt for tick.
std::optional<double> expected_points(std::string_view frequency, Timestamp since, Timestamp until);

// The publish range rule of spec 10: the expected range widened 10x around its centre.
struct ValueBounds {
  double lo, hi;
};
ValueBounds publish_bounds(const FeatureSpec& spec);

// Catalog listing filter (GET /catalog?entity&frequency&tags; tags match any-of).
struct CatalogFilter {
  std::optional<std::string> entity;
  std::optional<std::string> frequency;
  std::vector<std::string> tags;
  bool matches(const FeatureSpec& spec) const;
};
std::vector<std::string> split_tags(std::string_view comma_separated);

// Reads a catalog file: {"features": [FeatureSpec...]}; ids must be unique. Throws
// Error(not_found / invalid_input) naming the file, the entry index and the field.
std::vector<FeatureSpec> load_catalog_file(const std::filesystem::path& path);
std::filesystem::path default_catalog_path();  // config_dir()/features.catalog.json

}  // namespace usdcop::fstore
