#include "app/dead_letters.hpp"

#include "app/services.hpp"

namespace usdcop::app {

std::vector<store::DeadLetterRow> list_dead_letters(Services& services, const std::string& status) {
  return store::PgDeadLetters(services.pool()).list(status);
}

store::DeadLetterRow retry_dead_letter(Services& services, const DeadLetterRetry& request) {
  const auto& who = request.caller.identity;
  require_role(services, who, models::Role::operator_, "dlq retry");
  store::DeadLetterRow row;
  audit_refusals(services, who.principal, "dlq retry", [&] {
    row = store::PgDeadLetters(services.pool()).retry(request.id, actor_of(request.caller));
  });
  return row;
}

store::DeadLetterRow resolve_dead_letter(Services& services, const DeadLetterResolution& request) {
  const auto& who = request.caller.identity;
  require_role(services, who, models::Role::operator_, "dlq resolve");
  store::DeadLetterRow row;
  audit_refusals(services, who.principal, "dlq resolve", [&] {
    row = store::PgDeadLetters(services.pool())
              .resolve(request.id, request.reason, actor_of(request.caller));
  });
  return row;
}

}  // namespace usdcop::app
