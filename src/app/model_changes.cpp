#include "app/model_changes.hpp"

#include "app/services.hpp"
#include "features/contract.hpp"

namespace usdcop::app {

models::ModelRecord register_model(Services& services, const RegisterRequest& request) {
  require_role(services, request.caller.identity, models::Role::operator_, "models register");
  return services.registry().register_run(request.run_dir, actor_of(request.caller));
}

RollbackOutcome rollback_model(Services& services, const RollbackRequest& request) {
  const auto& who = request.caller.identity;
  require_role(services, who, models::Role::admin, "models rollback");
  RollbackOutcome out;
  out.request_id = request.caller.request_id;
  audit_refusals(services, who.principal, "models rollback", [&] {
    // The builder this process runs: a target built with another major version cannot trade.
    out.result =
        services.registry().rollback(request.target_model, request.reason, actor_of(request.caller),
                                     std::string(features::kBuilderVersion));
  });
  return out;
}

}  // namespace usdcop::app
