#pragma once
// Alerts and incidents "over what exists" (spec 07, 08, 12). The alerts issue will store them
// (system.alerts, acks, incident records with timelines); until then they are derived, read
// only, from the state the platform already keeps:
// - alerts: KillSwitchActive / TradingPaused (the operations mode), DeadLetter (one per letter
//   of system.dead_letter_queue: firing while pending or exhausted, resolved when resolved),
//   FeatureDriftDetected (one per drifted feature of the newest monitor.drift_history run);
// - incidents: every kill-switch activation (P0) and every pause or rollback by the automatic
//   monitor (P1) in the audit log: a kill or pause is investigating until the next resume
//   resolves it, a rollback is mitigating; the operations and model audit rows between are the
//   timeline.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "models/audit_entry.hpp"

namespace usdcop::app {

class Services;

struct AlertView {
  std::string id;        // stable: "dead_letter:7", "drift:rsi_9", "mode:killed"
  std::string name;      // the spec 08 rule name
  std::string severity;  // critical | warning
  std::string state;     // firing | resolved
  Timestamp started_at{};
  std::optional<Timestamp> resolved_at;
  nlohmann::json value;  // the number behind it (psi, attempts), null when none
  nlohmann::json labels = nlohmann::json::object();
  std::string summary;
};

struct AlertListRequest {
  std::string state;  // active | resolved, empty: both (field "state")
  long limit = 1000;  // 1..10000 (field "limit")
};
// Firing first, then newest first.
std::vector<AlertView> list_alerts(Services& services, const AlertListRequest& request);

struct IncidentView {
  long id = 0;           // the audit row that opened it
  std::string title;     // "kill switch: <reason>"
  std::string severity;  // P0 | P1
  std::string status;    // investigating | mitigating | resolved
  Timestamp opened_at{};
  std::optional<Timestamp> resolved_at;
  std::string opened_by;
  std::vector<models::AuditEntry> timeline;  // oldest first, the opening row included
};

struct IncidentListRequest {
  Timestamp from{}, to{};  // opened in [from, to)
  long limit = 100;        // 1..1000 (field "limit")
};
// Newest first.
std::vector<IncidentView> list_incidents(Services& services, const IncidentListRequest& request);

}  // namespace usdcop::app
