#pragma once
// The payload of each NOTIFY channel (events/channel.hpp), as typed values. On the wire each is
// one canonical-JSON object (events/codec.hpp); the field names below are the JSON keys, times
// are RFC 3339 UTC strings. docs/EVENTS.md is the reference for listeners in other languages.
//
// A notification is a wake-up, not a record: listeners re-read the durable state (bars,
// feature rows, watermarks, the operations state) and never rely on receiving every one.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/time.hpp"
#include "trading/operations_mode.hpp"
#include "trading/signal.hpp"

namespace usdcop::events {

// new_ohlcv_bar: one per INSERT or UPDATE statement on market.usdcop_m5_ohlcv and symbol, sent
// by the database trigger of migration 0017 (any writer, even psql, is seen).
struct NewOhlcvBar {
  enum class Operation { insert, update };
  std::string symbol;    // "USD/COP"
  Timestamp first_time;  // open time of the earliest bar the statement wrote
  Timestamp last_time;   // open time of the latest one (== first_time for a single bar)
  int64_t rows = 0;      // bars the statement wrote, >= 1
  Operation operation = Operation::insert;
  bool operator==(const NewOhlcvBar&) const = default;
};
const char* operation_name(NewOhlcvBar::Operation op);  // "insert" | "update"

// new_features: a batch of inference feature rows was inserted or changed.
struct NewFeatures {
  Timestamp time;         // the newest bar time of the batch
  bool complete = false;  // whether that newest row is complete
  int64_t rows = 0;       // rows inserted or changed, >= 1
  bool operator==(const NewFeatures&) const = default;
};

// new_signal: a model decided on a bar (the production model, or a staging model in shadow).
struct NewSignal {
  Timestamp time;  // the bar the decision is for
  std::string model_id;
  trading::Signal signal = trading::Signal::kHold;  // "LONG" | "SHORT" | "HOLD"
  bool shadow = false;                              // a staging model's shadow decision
  bool operator==(const NewSignal&) const = default;
};

// model_changed: the production model was swapped (delivered when the swap commits).
struct ModelChanged {
  std::string event;  // "promotion" | "rollback" | "reload" (the same model, re-verified)
  std::optional<std::string> previous_model;  // null when there was none
  std::string new_model;
  std::string model_hash;
  std::string actor;
  std::string request_id;  // may be empty
  bool operator==(const ModelChanged&) const = default;
};

// operations_mode: the operations state changed (or a kill was repeated).
struct OperationsModeChanged {
  trading::OperationsMode mode = trading::OperationsMode::kNormal;
  trading::OperationsMode previous = trading::OperationsMode::kNormal;
  std::string reason;      // a preview (events::kMaxTextBytes); the full text is in the database
  std::string changed_by;  // principal name
  // Open positions the change closed in its own transaction (a kill with close_positions, a
  // flatten); 0 otherwise, and when a sender of the first version omitted the key.
  long positions_closed = 0;
  // Redundant with mode == KILLED; kept because listeners of the first version read it.
  bool kill_switch_active() const { return mode == trading::OperationsMode::kKilled; }
  bool operator==(const OperationsModeChanged&) const = default;
};

// system_heartbeat: an engine is alive; it listens to its own (spec 06).
struct SystemHeartbeat {
  std::string instance;  // the sender's instance id
  int64_t sequence = 0;  // increases by one per heartbeat of an instance, >= 0
  Timestamp sent_at;
  bool leader = false;  // the sender holds the leader lock
  bool operator==(const SystemHeartbeat&) const = default;
};

// usdcop_alerts: something a person should look at. `event` names the kind of alert; `fields`
// are its own facts, laid out at the top level of the payload beside event/severity/title.
struct Alert {
  std::string event;     // "liquidity_green_to_red_candidate", "promotion_override", ...
  std::string severity;  // "info" | "warning" | "critical" | "P1" | "P0"
  std::string title;     // a preview (events::kMaxTextBytes)
  nlohmann::json fields = nlohmann::json::object();
  bool operator==(const Alert&) const = default;
};

// new_fill: the live engine's L5 filled an order (sent in its decision transaction, with the
// order and fill rows of trading.orders/trading.fills).
struct NewFill {
  std::string account;
  std::string model_id;
  Timestamp bar_time;   // the bar decided on
  Timestamp time;       // the fill's time (that bar's close)
  double quantity = 0;  // signed asset units: > 0 bought ("side": "buy"), < 0 sold ("sell")
  double price = 0;
  double cost = 0;            // account units, >= 0
  double position_after = 0;  // asset units
  std::string reason;         // the order's reason (an exit reason, or the signal's change)
  bool operator==(const NewFill&) const = default;
};

// equity_snapshot: the live engine's L5 marked an account at a bar's close (the row of
// trading.equity_snapshots, sent in the same transaction); one per bar processed.
struct EquitySnapshot {
  std::string account;
  std::string model_id;
  Timestamp time;    // the bar
  double value = 0;  // equity: cash + position at the close
  double cash = 0;
  double position = 0;  // asset units held after the bar
  double realized_pnl = 0;
  double unrealized_pnl = 0;
  trading::OperationsMode mode = trading::OperationsMode::kNormal;
  bool decided = false;  // the bar had a decision (a complete feature row)
  bool operator==(const EquitySnapshot&) const = default;
};

}  // namespace usdcop::events
