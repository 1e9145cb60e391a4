#pragma once
// The live engine's dead-letter queue (spec 06, 12) as use cases for every door: list (any
// reader), retry (due now) and resolve (closed without processing). Spec 12 makes retry an
// admin action; resolve, which skips the event, is admin too. Both are audited with the
// caller's principal, role and request id; refusals are audited (`command.refused`).
#include <string>
#include <vector>

#include "app/caller.hpp"
#include "store/pg_dead_letters.hpp"

namespace usdcop::app {

class Services;

// status "" lists every letter not resolved; else pending | exhausted | resolved (field
// "status").
std::vector<store::DeadLetterRow> list_dead_letters(Services& services, const std::string& status);

struct DeadLetterRetryRequest {
  Caller caller;
  long id = 0;
};
// Error(not_found) for an unknown id, Error(conflict) when already resolved.
store::DeadLetterRow retry_dead_letter(Services& services, const DeadLetterRetryRequest& request);

struct DeadLetterResolveRequest {
  Caller caller;
  long id = 0;
  std::string reason;  // field "reason", 3..2000 characters
};
store::DeadLetterRow resolve_dead_letter(Services& services,
                                         const DeadLetterResolveRequest& request);

}  // namespace usdcop::app
