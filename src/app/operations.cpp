#include "app/operations.hpp"

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
  }
  return "?";
}

store::ModeChange change_operations_mode(Services& services, const ModeChangeRequest& request) {
  const auto& who = request.caller.identity;
  const std::string action = std::string("operations ") + to_string(request.action);
  require_role(services, who, models::Role::operator_, action);
  const auto actor = actor_of(request.caller);
  auto& operations = services.operations();
  store::ModeChange change;
  audit_refusals(services, who.principal, action, [&] {
    switch (request.action) {
      case ModeAction::pause:
        change = operations.pause(request.reason, actor);
        break;
      case ModeAction::kill:
        change = operations.kill(request.reason, actor);
        break;
      case ModeAction::resume:
        change = operations.resume(request.reason, actor, request.confirmation);
        break;
    }
  });
  return change;
}

}  // namespace usdcop::app
