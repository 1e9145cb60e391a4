#include "app/alert_views.hpp"

#include <algorithm>

#include "app/dead_letters.hpp"
#include "app/operations.hpp"
#include "app/services.hpp"
#include "core/error.hpp"
#include "store/pg_audit_log.hpp"
#include "store/pg_drift_history.hpp"

namespace usdcop::app {

namespace {

void add_mode_alert(Services& services, std::vector<AlertView>& out) {
  const auto mode = operations_mode(services);
  if (mode.mode == "NORMAL") return;
  const bool killed = mode.mode == "KILLED";
  AlertView a;
  a.id = killed ? "mode:killed" : "mode:paused";
  a.name = killed ? "KillSwitchActive" : "TradingPaused";
  a.severity = killed ? "critical" : "warning";
  a.state = "firing";
  a.started_at = mode.changed_at;
  a.value = killed ? 2 : 1;
  a.labels = {{"changed_by", mode.changed_by}};
  a.summary = mode.reason;
  out.push_back(std::move(a));
}

void add_dead_letter_alerts(Services& services, std::vector<AlertView>& out) {
  for (const auto& d : list_dead_letters(services, "")) {
    AlertView a;
    a.id = "dead_letter:" + std::to_string(d.id);
    a.name = "DeadLetter";
    a.severity = "warning";
    a.state = "firing";
    a.started_at = d.created_at;
    a.value = d.attempts;
    a.labels = {{"handler", d.handler}, {"event_id", d.event_id}, {"status", d.status}};
    a.summary = d.error;
    out.push_back(std::move(a));
  }
  for (const auto& d : list_dead_letters(services, "resolved")) {
    AlertView a;
    a.id = "dead_letter:" + std::to_string(d.id);
    a.name = "DeadLetter";
    a.severity = "warning";
    a.state = "resolved";
    a.started_at = d.created_at;
    a.resolved_at = d.updated_at;
    a.value = d.attempts;
    a.labels = {{"handler", d.handler}, {"event_id", d.event_id}, {"resolved_by", d.resolved_by}};
    a.summary = d.resolution;
    out.push_back(std::move(a));
  }
}

void add_drift_alerts(Services& services, std::vector<AlertView>& out) {
  // The newest run: its 13 rows share computed_at.
  const auto rows = store::PgDriftHistory(services.pool())
                        .list("", Timestamp{}, Timestamp::max(), features::kMarketFeatureCount);
  for (const auto& r : rows) {
    if (r.computed_at != rows.front().computed_at || !r.drifted) continue;
    AlertView a;
    a.id = "drift:" + r.feature;
    a.name = "FeatureDriftDetected";
    a.severity = "warning";
    a.state = "firing";
    a.started_at = r.computed_at;
    a.value = r.psi;
    a.labels = {{"feature", r.feature}, {"model_id", r.model_id}};
    a.summary = r.feature + " PSI above " + std::to_string(r.threshold);
    out.push_back(std::move(a));
  }
}

}  // namespace

std::vector<AlertView> list_alerts(Services& services, const AlertListRequest& request) {
  if (!request.state.empty() && request.state != "active" && request.state != "resolved")
    throw Error(ErrorKind::invalid_input, "state: active or resolved", "state");
  if (request.limit < 1 || request.limit > 10000)
    throw Error(ErrorKind::invalid_input, "limit: between 1 and 10000", "limit");
  std::vector<AlertView> all;
  add_mode_alert(services, all);
  add_dead_letter_alerts(services, all);
  add_drift_alerts(services, all);
  std::vector<AlertView> out;
  for (auto& a : all) {
    const bool firing = a.state == "firing";
    if (request.state.empty() || (request.state == "active") == firing) out.push_back(std::move(a));
  }
  std::stable_sort(out.begin(), out.end(), [](const AlertView& x, const AlertView& y) {
    if ((x.state == "firing") != (y.state == "firing")) return x.state == "firing";
    return x.started_at > y.started_at;
  });
  if (out.size() > static_cast<std::size_t>(request.limit))
    out.resize(static_cast<std::size_t>(request.limit));
  return out;
}

namespace {

bool opens_incident(const models::AuditEntry& e) {
  if (e.action == "operations.kill") return true;
  return e.actor == "auto-monitor" &&
         (e.action == "operations.pause" || e.action == "model.rollback");
}

}  // namespace

std::vector<IncidentView> list_incidents(Services& services, const IncidentListRequest& request) {
  if (request.limit < 1 || request.limit > 1000)
    throw Error(ErrorKind::invalid_input, "limit: between 1 and 1000", "limit");
  // Operations and model rows from the window's start on, oldest first: an incident opened in
  // the window is resolved by a resume that may come after it.
  store::AuditQuery q;
  q.from = request.from;
  q.to = Timestamp::max();
  q.limit = 100000;
  std::vector<models::AuditEntry> rows;
  for (const char* prefix : {"operations.", "model."}) {
    q.action_prefix = prefix;
    auto part = services.audit_log().query(q);
    rows.insert(rows.end(), part.begin(), part.end());
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  std::vector<IncidentView> out;
  std::vector<std::size_t> open;  // incidents the next resume resolves (a kill after a pause)
  for (const auto& e : rows) {
    if (e.action == "operations.resume") {
      for (const auto i : open) {
        out[i].timeline.push_back(e);
        out[i].status = "resolved";
        out[i].resolved_at = e.at;
      }
      open.clear();
      continue;
    }
    for (const auto i : open) out[i].timeline.push_back(e);
    if (!opens_incident(e) || e.at >= request.to) continue;
    const bool kill = e.action == "operations.kill";
    const bool rollback = e.action == "model.rollback";
    // A rollback by the monitor is itself the mitigation; a kill or pause waits for a resume.
    out.push_back({e.id,
                   (kill ? "kill switch: " : e.action + ": ") + e.reason,
                   kill ? "P0" : "P1",
                   rollback ? "mitigating" : "investigating",
                   e.at,
                   std::nullopt,
                   e.actor,
                   {e}});
    if (!rollback) open.push_back(out.size() - 1);
  }
  std::reverse(out.begin(), out.end());
  if (out.size() > static_cast<std::size_t>(request.limit))
    out.resize(static_cast<std::size_t>(request.limit));
  return out;
}

}  // namespace usdcop::app
