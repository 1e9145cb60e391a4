#pragma once
// Policies owned by the database (spec 12): the promotion policy and the risk and trading
// profiles, versioned. Reading is open; applying a new version is for admins (audited
// `policy.apply`, notified on usdcop_alerts).
#include <map>
#include <optional>
#include <string>

#include "app/caller.hpp"
#include "store/pg_policies.hpp"

namespace usdcop::app {

class Services;

inline constexpr const char* kPolicyKinds[] = {"promotion", "risk", "trading"};

// The active version of each kind (all kinds, or only `kind`); no value for a kind that has
// none applied (its seed file of config/ is in force).
std::map<std::string, std::optional<store::PolicyVersion>> active_policies(
    Services& services, const std::optional<std::string>& kind);

struct PolicyApplyRequest {
  Caller caller;
  std::string kind;       // promotion | risk | trading
  std::string yaml_text;  // like config/promotion.yaml
};
struct PolicyApplyOutcome {
  store::PolicyVersion version;
  bool changed = false;  // false: the active version already had this content
};
PolicyApplyOutcome apply_policy(Services& services, const PolicyApplyRequest& request);

// The first version of each kind from config/<kind>.yaml, for kinds the database has none of
// (`db start`, `db migrate`; spec 12: the YAML files are seeds).
void seed_policies(store::PgPolicies& policies);

}  // namespace usdcop::app
