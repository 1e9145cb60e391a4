#pragma once
// The operations mode (spec 06, 07): read it, and pause / kill / resume trading (operators).
// Each change writes its audit row and NOTIFY operations_mode in one transaction
// (store/pg_operations_control.hpp has the transition table); a refusal (pause while KILLED,
// resume without the confirmation) is audited as `command.refused`.
#include <string>

#include "app/caller.hpp"
#include "store/pg_operations_control.hpp"

namespace usdcop::app {

class Services;

store::OperationsState operations_mode(Services& services);

enum class ModeAction { pause, kill, resume };
const char* to_string(ModeAction action);

struct ModeChangeRequest {
  Caller caller;
  ModeAction action = ModeAction::pause;
  std::string reason;
  // resume from KILLED only: store::kResumeConfirmation ("CONFIRM_RESUME")
  std::string confirmation;
};
store::ModeChange change_operations_mode(Services& services, const ModeChangeRequest& request);

}  // namespace usdcop::app
