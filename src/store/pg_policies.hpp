#pragma once
// Policies owned by the database (spec 12; migration 0014): the promotion policy and the risk
// and trading profiles, versioned, each version identified by the sha256 of its canonical JSON.
// Changed only through apply() with an admin identity (audited `policy.apply`, notified on
// usdcop_alerts); the newest version of a kind is active. The YAML files of config/ are seeds.
#include <optional>
#include <string>
#include <vector>

#include "identity/token.hpp"
#include "models/promotion_policy.hpp"
#include "store/connection_pool.hpp"
#include "trading/trading_config.hpp"

namespace usdcop::store {

struct PolicyVersion {
  std::string kind;  // promotion | risk | trading
  int version = 0;
  std::string sha256, source_yaml, canonical_json, applied_by, applied_at;
};

// Throws Error(invalid_input) naming --kind unless promotion, risk or trading.
void require_policy_kind(const std::string& kind);

class PgPolicies {
 public:
  explicit PgPolicies(ConnectionPool& pool) : pool_(pool) {}

  std::optional<PolicyVersion> active(const std::string& kind);
  std::vector<PolicyVersion> history(const std::string& kind);
  // Validates the YAML (the promotion policy must parse as thresholds), then adds a version
  // unless the active one has the same hash (returned unchanged, nothing written).
  PolicyVersion apply(const std::string& kind, const std::string& yaml_text,
                      const identity::Identity& by);
  // The first version of a kind from its seed file, when the kind has none (db start/migrate).
  std::optional<PolicyVersion> seed(const std::string& kind, const std::string& yaml_text,
                                    const std::string& actor);

 private:
  PolicyVersion insert(const std::string& kind, const std::string& yaml_text,
                       const std::string& actor, const std::string& role, bool only_if_none);
  ConnectionPool& pool_;
};

// The promotion thresholds in force: the database's active promotion policy, else the seed
// file config/promotion.yaml. `source` (when given) says which, with version and hash.
models::PromotionThresholds active_promotion_thresholds(ConnectionPool& pool,
                                                        nlohmann::json* source = nullptr);

// The risk profile and trading configuration in force (what backtests of registered models and
// trading use): the database's active version, else the seed file config/risk.yaml
// (trading.yaml). `source` (when given) says which, with version and hash.
trading::RiskProfile active_risk_profile(ConnectionPool& pool, nlohmann::json* source = nullptr);
trading::TradingConfig active_trading_config(ConnectionPool& pool,
                                             nlohmann::json* source = nullptr);

}  // namespace usdcop::store
