#include "app/policies.hpp"

#include <fstream>
#include <sstream>

#include "app/services.hpp"
#include "core/config.hpp"

namespace usdcop::app {

std::map<std::string, std::optional<store::PolicyVersion>> active_policies(
    Services& services, const std::optional<std::string>& kind) {
  std::map<std::string, std::optional<store::PolicyVersion>> out;
  for (const char* k : kPolicyKinds) {
    if (kind && *kind != k) continue;
    out[k] = services.policies().active(k);
  }
  return out;
}

PolicyApplyOutcome apply_policy(Services& services, const PolicyApplyRequest& request) {
  require_role(services, request.caller.identity, models::Role::admin, "policy apply");
  auto& policies = services.policies();
  const auto before = policies.active(request.kind);
  PolicyApplyOutcome out;
  out.version = policies.apply(request.kind, request.yaml_text, request.caller.identity);
  out.changed = !before || before->version != out.version.version;
  return out;
}

void seed_policies(store::PgPolicies& policies) {
  for (const char* kind : kPolicyKinds) {
    const auto path = config_dir() / (std::string(kind) + ".yaml");
    std::ifstream in(path);
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    policies.seed(kind, text.str(), "system:seed");
  }
}

}  // namespace usdcop::app
