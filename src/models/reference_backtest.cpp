#include "models/reference_backtest.hpp"

#include <cmath>
#include <sstream>

#include "core/canonical_json.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "models/promotion_policy.hpp"

namespace usdcop::models {

namespace {

constexpr const char* kWhere = "promotion.yaml:reference_backtest";

bool is_sha256(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

nlohmann::json number_at(const nlohmann::json& j, const char* section, const char* key) {
  if (!j.is_object() || !j.contains(section) || !j[section].is_object()) return nullptr;
  const auto& s = j[section];
  return s.contains(key) && s[key].is_number() ? s[key] : nlohmann::json(nullptr);
}

// Equal up to float formatting noise (the values are typed by people: 1.0, 0.33).
bool same(const nlohmann::json& have, double want) {
  return have.is_number() && std::abs(have.get<double>() - want) <= 1e-12 * (1 + std::abs(want));
}

}  // namespace

std::optional<ReferenceBacktest> read_reference_backtest(const YAML::Node& root) {
  const YAML::Node node = root["reference_backtest"];
  if (!node) return std::nullopt;
  if (!node.IsMap()) throw Error(ErrorKind::invalid_input, std::string(kWhere) + ": not a mapping");
  ReferenceBacktest r;
  r.cost_bps = require<double>(node, "cost_bps", kWhere);
  if (!(r.cost_bps >= 0))
    throw Error(ErrorKind::invalid_input, std::string(kWhere) + ".cost_bps: must not be negative");
  r.risk_profile_sha256 = value_or<std::string>(node, "risk_profile_sha256", "active", kWhere);
  if (r.risk_profile_sha256 != "active" && !is_sha256(r.risk_profile_sha256))
    throw Error(ErrorKind::invalid_input,
                std::string(kWhere) +
                    ".risk_profile_sha256: must be \"active\" or a 64-hex lowercase sha256");
  const YAML::Node t = node["thresholds"];
  if (t && t.IsScalar() && t.as<std::string>() == "model") return r;
  if (!t || !t.IsMap())
    throw Error(
        ErrorKind::invalid_input,
        std::string(kWhere) + ".thresholds: must be \"model\" or {long_above: X, short_below: Y}");
  const std::string where = std::string(kWhere) + ".thresholds";
  r.long_above = require<double>(t, "long_above", where);
  r.short_below = require<double>(t, "short_below", where);
  if (*r.short_below > *r.long_above)
    throw Error(ErrorKind::invalid_input, where + ": short_below must not exceed long_above");
  return r;
}

nlohmann::json to_json(const ReferenceBacktest& r) {
  nlohmann::json thresholds = "model";
  if (r.long_above && r.short_below)
    thresholds = {{"long_above", *r.long_above}, {"short_below", *r.short_below}};
  return {{"cost_bps", r.cost_bps},
          {"risk_profile_sha256", r.risk_profile_sha256},
          {"thresholds", thresholds}};
}

nlohmann::json to_json(const ReferenceConfig& r) {
  return {{"cost_bps", r.cost_bps},
          {"risk_profile_sha256", r.risk_profile_sha256},
          {"long_above", r.long_above},
          {"short_below", r.short_below}};
}

nlohmann::json reference_view(const nlohmann::json& config) {
  const bool has_risk = config.is_object() && config.contains("risk") && config["risk"].is_object();
  return {{"cost_bps", number_at(config, "trading", "cost_bps")},
          {"risk_profile_sha256",
           has_risk ? nlohmann::json(canonical_json_sha256(config["risk"])) : nullptr},
          {"long_above", number_at(config, "trading", "long_above")},
          {"short_below", number_at(config, "trading", "short_below")}};
}

GateResult reference_config_gate(const nlohmann::json& config, const ReferenceConfig& expected) {
  const nlohmann::json have = reference_view(config);
  GateResult g{"reference_config", have, to_json(expected), true, ""};
  std::ostringstream why;
  auto differs = [&](const char* field, const std::string& shown) {
    g.passed = false;
    why << (why.tellp() > 0 ? "; "
                            : "the backtest ran with another configuration than the "
                              "policy's reference: ")
        << field << " " << shown;
  };
  auto number_text = [](const nlohmann::json& v) { return v.is_null() ? "missing" : v.dump(); };
  if (!same(have["cost_bps"], expected.cost_bps))
    differs("cost_bps", number_text(have["cost_bps"]) + " (reference " +
                            nlohmann::json(expected.cost_bps).dump() + ")");
  if (have["risk_profile_sha256"] != expected.risk_profile_sha256)
    differs("risk_profile_sha256",
            (have["risk_profile_sha256"].is_null()
                 ? std::string("missing")
                 : have["risk_profile_sha256"].get<std::string>().substr(0, 12)) +
                " (reference " + expected.risk_profile_sha256.substr(0, 12) + ")");
  if (!same(have["long_above"], expected.long_above))
    differs("long_above", number_text(have["long_above"]) + " (reference " +
                              nlohmann::json(expected.long_above).dump() + ")");
  if (!same(have["short_below"], expected.short_below))
    differs("short_below", number_text(have["short_below"]) + " (reference " +
                               nlohmann::json(expected.short_below).dump() + ")");
  g.note = why.str();
  return g;
}

}  // namespace usdcop::models
