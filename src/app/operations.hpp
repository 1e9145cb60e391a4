#pragma once
// The operations mode (spec 06, 07): read it, and pause / kill / resume trading (operators).
// Each change writes its audit row and NOTIFY operations_mode in one transaction
// (store/pg_operations_control.hpp has the transition table); a refusal (pause while KILLED,
// resume without the confirmation) is audited as `command.refused`.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/caller.hpp"
#include "models/audit_entry.hpp"
#include "store/pg_engine_status.hpp"
#include "store/pg_operations_control.hpp"

namespace usdcop::app {

class Services;

store::OperationsState operations_mode(Services& services);

// flatten: close the open positions and pause, without a kill (Error(conflict) while KILLED).
enum class ModeAction { pause, kill, resume, flatten };
const char* to_string(ModeAction action);

struct ModeChangeRequest {
  Caller caller;
  ModeAction action = ModeAction::pause;
  std::string reason;
  // resume from KILLED only: store::kResumeConfirmation ("CONFIRM_RESUME")
  std::string confirmation;
  // Written to the audit row's details (pause and kill), e.g. the API's {"via": "api",
  // "claimed_by": ...}.
  nlohmann::json details = nlohmann::json::object();
  // kill only: close the open positions in the kill's own transaction (spec 12).
  bool close_positions = true;
  // The action named in the role check and in a refusal's audit row; default "operations
  // <action>". A door names its own ("ops pause", "POST /operations/pause").
  std::string audited_as = {};
};
store::ModeChange change_operations_mode(Services& services, const ModeChangeRequest& request);

// The engine beside the mode (ops status): its watermarks, the leader, the open positions and
// the dead letters not resolved.
store::EngineStatus engine_overview(Services& services);

// The history of mode changes: audit rows `operations.*` in [from, to), newest first.
std::vector<models::AuditEntry> operations_history(Services& services, Timestamp from, Timestamp to,
                                                   long limit);

}  // namespace usdcop::app
