#pragma once
// The live engine's dead-letter queue (spec 06): list the letters, make one due now (the engine
// retries it at its next catch-up, in bar order) or close one without processing it. Retry and
// resolve need an operator; a refusal (unknown id, already resolved) is audited as
// `command.refused`.
#include <string>
#include <vector>

#include "app/caller.hpp"
#include "store/pg_dead_letters.hpp"

namespace usdcop::app {

class Services;

// status "" lists every letter not resolved; else pending | exhausted | resolved.
std::vector<store::DeadLetterRow> list_dead_letters(Services& services, const std::string& status);

struct DeadLetterRetry {
  Caller caller;
  long id = 0;
};
store::DeadLetterRow retry_dead_letter(Services& services, const DeadLetterRetry& request);

struct DeadLetterResolution {
  Caller caller;
  long id = 0;
  std::string reason;
};
store::DeadLetterRow resolve_dead_letter(Services& services, const DeadLetterResolution& request);

}  // namespace usdcop::app
