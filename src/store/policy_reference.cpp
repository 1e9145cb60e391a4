#include "store/policy_reference.hpp"

#include "core/error.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

namespace {

YAML::Node yaml_of(const PolicyVersion& v) {
  try {
    return YAML::Load(v.source_yaml);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::integrity, "system.policies " + v.kind + " v" +
                                          std::to_string(v.version) +
                                          ": stored YAML does not parse: " + e.what());
  }
}

nlohmann::json source_of(const std::optional<PolicyVersion>& v, const std::string& seed) {
  if (!v) return {{"source", "seed file config/" + seed + " (no policy applied)"}};
  return {{"source", "database"},
          {"version", v->version},
          {"sha256", v->sha256},
          {"applied_by", v->applied_by},
          {"applied_at", v->applied_at}};
}

std::optional<double> number_in(const nlohmann::json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    try {
      return std::stod(j.get<std::string>());
    } catch (const std::exception&) {
    }
  }
  return std::nullopt;
}

}  // namespace

trading::RiskProfile risk_profile_of(const std::optional<PolicyVersion>& v) {
  if (!v) return trading::load_risk_profile();
  return trading::parse_risk_profile(yaml_of(*v), "risk policy v" + std::to_string(v->version));
}

trading::TradingConfig trading_config_of(const std::optional<PolicyVersion>& v) {
  if (!v) return trading::load_trading_config();
  return trading::parse_trading_config(yaml_of(*v),
                                       "trading policy v" + std::to_string(v->version));
}

models::ReferenceConfig resolve_reference(pqxx::transaction_base& tx,
                                          const models::ReferenceBacktest& pin,
                                          const models::ModelRecord& m) {
  models::ReferenceConfig r;
  r.cost_bps = pin.cost_bps;
  r.risk_profile_sha256 =
      pin.risk_profile_sha256 == "active"
          ? trading::risk_profile_sha256(risk_profile_of(active_policy(tx, "risk")))
          : pin.risk_profile_sha256;
  if (pin.long_above && pin.short_below) {
    r.long_above = *pin.long_above;
    r.short_below = *pin.short_below;
    return r;
  }
  // The thresholds the model was trained with, as `usdcop backtest` applies them.
  const auto thresholds = trading_config_of(active_policy(tx, "trading")).thresholds;
  r.long_above = thresholds.long_above;
  r.short_below = thresholds.short_below;
  nlohmann::json trained = m.config;
  for (const char* key : {"hyperparameters", "environment", "thresholds"})
    trained = trained.is_object() && trained.contains(key) ? trained[key] : nlohmann::json();
  if (!trained.is_object()) return r;
  if (const auto v = number_in(trained.value("long_above", nlohmann::json()))) r.long_above = *v;
  if (const auto v = number_in(trained.value("short_below", nlohmann::json()))) r.short_below = *v;
  return r;
}

trading::RiskProfile active_risk_profile(ConnectionPool& pool, nlohmann::json* source) {
  const auto v = PgPolicies(pool).active("risk");
  if (source) *source = source_of(v, "risk.yaml");
  return risk_profile_of(v);
}

trading::TradingConfig active_trading_config(ConnectionPool& pool, nlohmann::json* source) {
  const auto v = PgPolicies(pool).active("trading");
  if (source) *source = source_of(v, "trading.yaml");
  return trading_config_of(v);
}

}  // namespace usdcop::store
