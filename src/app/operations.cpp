#include "app/operations.hpp"

#include "app/audit_export.hpp"
#include "app/services.hpp"

namespace usdcop::app {

store::OperationsState operations_mode(Services& services) {
  return services.operations().mode();
}

const char* to_string(ModeAction action) {
  switch (action) {
    case ModeAction::pause:
      return "pause";
    case ModeAction::kill:
      return "kill";
    case ModeAction::resume:
      return "resume";
    case ModeAction::flatten:
      return "flatten";
  }
  return "?";
}

store::ModeChange change_operations_mode(Services& services, const ModeChangeRequest& request) {
  const auto& who = request.caller.identity;
  const std::string action = request.audited_as.empty()
                                 ? std::string("operations ") + to_string(request.action)
                                 : request.audited_as;
  require_role(services, who, models::Role::operator_, action);
  const auto actor = actor_of(request.caller);
  auto& operations = services.operations();
  store::ModeChange change;
  audit_refusals(services, who.principal, action, [&] {
    switch (request.action) {
      case ModeAction::pause:
        change = operations.pause(request.reason, actor, request.details);
        break;
      case ModeAction::kill:
        change = operations.kill(request.reason, actor, request.details, request.close_positions);
        break;
      case ModeAction::resume:
        change = operations.resume(request.reason, actor, request.confirmation);
        break;
      case ModeAction::flatten:
        change = operations.flatten(request.reason, actor);
        break;
    }
  });
  return change;
}

store::EngineStatus engine_overview(Services& services) {
  return store::read_engine_status(services.pool());
}

std::vector<models::AuditEntry> operations_history(Services& services, Timestamp from, Timestamp to,
                                                   long limit) {
  store::AuditQuery q;
  q.from = from;
  q.to = to;
  q.action_prefix = "operations.";
  q.limit = limit;
  q.newest_first = true;
  return query_audit(services, q);
}

}  // namespace usdcop::app
