#pragma once
// The policies in force inside a transaction (spec 12): the active version of a kind and the
// promotion policy's reference backtest configuration resolved for one model.
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "models/model.hpp"
#include "models/reference_backtest.hpp"
#include "store/pg_policies.hpp"
#include "trading/trading_config.hpp"

namespace usdcop::store {

std::optional<PolicyVersion> active_policy(pqxx::transaction_base& tx, const std::string& kind);

// The profile of a policy version, else of the seed file config/risk.yaml (trading.yaml).
trading::RiskProfile risk_profile_of(const std::optional<PolicyVersion>& v);
trading::TradingConfig trading_config_of(const std::optional<PolicyVersion>& v);

// What `pin` means for model `m`: "active" is the hash of the risk profile in force; "model"
// thresholds are the model's training thresholds (config environment.thresholds), else the
// trading profile's.
models::ReferenceConfig resolve_reference(pqxx::transaction_base& tx,
                                          const models::ReferenceBacktest& pin,
                                          const models::ModelRecord& m);

}  // namespace usdcop::store
