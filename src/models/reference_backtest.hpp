#pragma once
// The reference backtest configuration pinned by the promotion policy (spec 12): the cost, the
// risk profile (by its hash) and the signal thresholds a backtest must have run with to support
// a promotion. The auto vote's `reference_config` gate compares a stored backtest's config
// (ml.backtest_results.config) with the pin resolved for the model.
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace usdcop::models {

struct GateResult;

// The `reference_backtest` section of the promotion policy.
struct ReferenceBacktest {
  double cost_bps = 1.0;
  // "active": the risk profile in force (the database's active version, else config/risk.yaml);
  // otherwise the 64-hex sha256 of one profile (trading::risk_profile_sha256).
  std::string risk_profile_sha256 = "active";
  // nullopt ("model"): the model's own training thresholds (its config's
  // environment.thresholds, else the trading profile's signal thresholds).
  std::optional<double> long_above, short_below;
};

// Reads `reference_backtest` of a promotion policy; nullopt when the section is absent (no pin).
// Throws Error(invalid_input) naming the key for a bad value.
std::optional<ReferenceBacktest> read_reference_backtest(const YAML::Node& root);
nlohmann::json to_json(const ReferenceBacktest& r);

// The pin resolved for one model: the exact values its backtest must show.
struct ReferenceConfig {
  double cost_bps = 0;
  std::string risk_profile_sha256;
  double long_above = 0, short_below = 0;
};
nlohmann::json to_json(const ReferenceConfig& r);

// The same four values as a stored backtest config shows them (null when missing): cost and
// thresholds from `trading`, the hash of its `risk` section.
nlohmann::json reference_view(const nlohmann::json& backtest_config);

// The `reference_config` gate: passes when the backtest ran with exactly `expected`; the note
// names each field that differs.
GateResult reference_config_gate(const nlohmann::json& backtest_config,
                                 const ReferenceConfig& expected);

}  // namespace usdcop::models
