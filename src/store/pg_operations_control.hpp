#pragma once
// Writes the operations mode (spec 06: trading.operations_state) with its audit row in one
// transaction and publishes NOTIFY operations_mode (payload JSON {mode, previous, reason,
// changed_by, kill_switch_active}). Transitions:
//   NORMAL: pause -> PAUSED, kill -> KILLED, resume -> no-op
//   PAUSED: pause -> no-op,  kill -> KILLED, resume -> NORMAL
//   flatten (NORMAL, PAUSED) -> PAUSED with the positions closed; KILLED: Error(conflict)
//   KILLED: pause -> Error(conflict), kill -> no-op (reason appended),
//           resume -> NORMAL only with confirmation "CONFIRM_RESUME" (else Error(invalid_input))
// No-ops change nothing and write no audit row (except the kill reason appended).
#include <nlohmann/json.hpp>
#include <string>

#include "store/connection_pool.hpp"
#include "store/pg_model_registry.hpp"

namespace usdcop::store {

struct OperationsState {
  std::string mode;  // NORMAL | PAUSED | KILLED
  std::string reason, changed_by;
  Timestamp changed_at{};
  bool kill_switch_active = false;
};

struct ModeChange {
  std::string previous, mode;
  bool changed = false;
  long positions_closed = 0;  // kill and flatten: open positions closed in the same transaction
};

inline constexpr const char* kResumeConfirmation = "CONFIRM_RESUME";

class PgOperationsControl {
 public:
  explicit PgOperationsControl(ConnectionPool& pool) : pool_(pool) {}

  OperationsState mode();
  ModeChange pause(const std::string& reason, const Actor& actor,
                   const nlohmann::json& details = {});
  // Closes the open positions in the kill's own transaction unless close_positions is false
  // (spec 12: fills with exit reason kill_switch at the last stored close).
  ModeChange kill(const std::string& reason, const Actor& actor, const nlohmann::json& details = {},
                  bool close_positions = true);
  // Closes the open positions and pauses, without a kill (Error(conflict) while KILLED).
  ModeChange flatten(const std::string& reason, const Actor& actor);
  ModeChange resume(const std::string& reason, const Actor& actor,
                    const std::string& confirmation = "");

 private:
  ModeChange change(const std::string& action, const std::string& reason, const Actor& actor,
                    const nlohmann::json& details, const std::string& confirmation,
                    bool close_positions = false);
  ConnectionPool& pool_;
};

}  // namespace usdcop::store
