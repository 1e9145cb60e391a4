#include "app/dead_letters.hpp"

#include "app/services.hpp"
#include "core/error.hpp"

namespace usdcop::app {

std::vector<store::DeadLetterRow> list_dead_letters(Services& services, const std::string& status) {
  if (!status.empty() && status != "pending" && status != "exhausted" && status != "resolved")
    throw Error(ErrorKind::invalid_input, "status: pending, exhausted or resolved", "status");
  return store::PgDeadLetters(services.pool()).list(status);
}

store::DeadLetterRow retry_dead_letter(Services& services, const DeadLetterRetryRequest& request) {
  const auto& who = request.caller.identity;
  require_role(services, who, models::Role::admin, "dlq retry");
  store::DeadLetterRow row;
  audit_refusals(services, who.principal, "dlq retry", [&] {
    row = store::PgDeadLetters(services.pool()).retry(request.id, actor_of(request.caller));
  });
  return row;
}

store::DeadLetterRow resolve_dead_letter(Services& services,
                                         const DeadLetterResolveRequest& request) {
  const auto& who = request.caller.identity;
  require_role(services, who, models::Role::admin, "dlq resolve");
  if (request.reason.size() < 3 || request.reason.size() > 2000)
    throw Error(ErrorKind::invalid_input, "reason: 3 to 2000 characters", "reason");
  store::DeadLetterRow row;
  audit_refusals(services, who.principal, "dlq resolve", [&] {
    row = store::PgDeadLetters(services.pool())
              .resolve(request.id, request.reason, actor_of(request.caller));
  });
  return row;
}

}  // namespace usdcop::app
