// PgLiveStore's operator-facing side. alert: what the live engine must tell an operator (a
// model that could not be reloaded, a reconciliation difference) as an audit row and a
// usdcop_alerts notification in one transaction, so both exist or neither. hold_entries: the
// durable pause an operator resumes. bar_flags: the price collar's input.
#include <pqxx/pqxx>

#include "core/error.hpp"
#include "market/bar_validation.hpp"
#include "store/notify.hpp"
#include "store/pg_copy.hpp"
#include "store/pg_data_quality.hpp"
#include "store/pg_live_store.hpp"
#include "store/pg_operations_control.hpp"
#include "store/pg_registry_rows.hpp"

namespace usdcop::store {

void PgLiveStore::alert(const live::LiveAlert& a) {
  guard_connection("recording a live-engine alert", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "live_alert");
    models::AuditEntry e;
    e.actor = "live-engine";
    e.role = "system";
    e.action = "live." + a.event;
    e.object_type = "engine";
    e.object_id = a.fields.value("model_id", std::string("engine"));
    e.reason = market::text_excerpt(a.title, 1000);
    e.details = a.fields;
    append_audit(tx, e);
    notify(tx, events::Alert{a.event, a.severity, a.title, a.fields});
    tx.commit();
  });
}

void PgLiveStore::hold_entries(const std::string& reason, const nlohmann::json& details) {
  try {
    PgOperationsControl(pool_).pause(reason, Actor{"live-engine", "system", ""}, details);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::conflict) throw;  // already KILLED: stays killed
  }
}

std::vector<market::BarFlag> PgLiveStore::bar_flags(Timestamp from, Timestamp to) {
  // The flags of the bars bars_after just loaded came with them (one round trip less per bar).
  if (loaded_flags_ && loaded_flags_->from == from && loaded_flags_->to == to)
    return loaded_flags_->flags;
  return guard_connection("reading bar flags",
                          [&] { return PgDataQuality(pool_).bar_flags(from, to); });
}

}  // namespace usdcop::store
