#include "store/pg_monitor_actions.hpp"

#include <pqxx/pqxx>

#include "store/notify.hpp"
#include "store/pg_copy.hpp"

namespace usdcop::store {

PgMonitorActions::PgMonitorActions(ConnectionPool& pool, Sink extra_sink)
    : pool_(pool), registry_(pool), operations_(pool), sink_(std::move(extra_sink)) {}

Actor PgMonitorActions::actor(const models::TriggerFiring& firing) const {
  return Actor{"auto-monitor", "system",
               std::string("monitor:") + models::to_string(firing.trigger)};
}

void PgMonitorActions::notify(const models::Alert& alert) {
  if (sink_) sink_(alert);
  guard_connection("sending an alert", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "alert");
    store::notify(
        tx,
        events::Alert{"model_monitor", alert.severity, alert.title, {{"details", alert.details}}});
    tx.commit();
  });
}

void PgMonitorActions::rollback(const models::TriggerFiring& firing) {
  registry_.rollback(std::nullopt, "automatic rollback: " + firing.message, actor(firing));
}

void PgMonitorActions::pause(const models::TriggerFiring& firing) {
  operations_.pause("automatic pause: " + firing.message, actor(firing),
                    {{"trigger", models::to_string(firing.trigger)}, {"values", firing.values}});
}

void PgMonitorActions::kill(const models::TriggerFiring& firing) {
  operations_.kill("automatic kill switch: " + firing.message, actor(firing),
                   {{"trigger", models::to_string(firing.trigger)}, {"values", firing.values}});
}

}  // namespace usdcop::store
