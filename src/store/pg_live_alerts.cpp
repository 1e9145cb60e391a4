// PgLiveStore::alert: what the live engine must tell an operator (a model that could not be
// reloaded, a reconciliation difference) as an audit row and a usdcop_alerts notification in
// one transaction, so the record and the alert exist together or not at all.
#include <pqxx/pqxx>

#include "market/bar_validation.hpp"
#include "store/notify.hpp"
#include "store/pg_copy.hpp"
#include "store/pg_data_quality.hpp"
#include "store/pg_live_store.hpp"
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

std::vector<market::BarFlag> PgLiveStore::bar_flags(Timestamp from, Timestamp to) {
  // The flags of the bars bars_after just loaded came with them (one round trip less per bar).
  if (loaded_flags_ && loaded_flags_->from == from && loaded_flags_->to == to)
    return loaded_flags_->flags;
  return guard_connection("reading bar flags",
                          [&] { return PgDataQuality(pool_).bar_flags(from, to); });
}

}  // namespace usdcop::store
