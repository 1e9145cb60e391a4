#pragma once
// The automatic monitor's actions (models::MonitorActions) over the registry and the
// operations state: rollback to the recommended target, pause, kill; notifications go out on
// NOTIFY usdcop_alerts (and to an optional extra sink, e.g. the log). Actor "auto-monitor",
// role "system"; the trigger values are the audit details.
#include <functional>

#include "models/auto_rollback_monitor.hpp"
#include "store/pg_model_registry.hpp"
#include "store/pg_operations_control.hpp"

namespace usdcop::store {

class PgMonitorActions final : public models::MonitorActions {
 public:
  using Sink = std::function<void(const models::Alert&)>;
  PgMonitorActions(ConnectionPool& pool, Sink extra_sink = {});

  void notify(const models::Alert& alert) override;
  void rollback(const models::TriggerFiring& firing) override;
  void pause(const models::TriggerFiring& firing) override;
  void kill(const models::TriggerFiring& firing) override;

 private:
  Actor actor(const models::TriggerFiring& firing) const;
  ConnectionPool& pool_;
  PgModelRegistry registry_;
  PgOperationsControl operations_;
  Sink sink_;
};

}  // namespace usdcop::store
