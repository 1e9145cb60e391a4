#include "app/model_reload.hpp"

#include <nlohmann/json.hpp>

#include "app/model_source.hpp"
#include "app/services.hpp"
#include "store/pg_backtest_store.hpp"
#include "store/pg_model_reload.hpp"

namespace usdcop::app {

ModelReloadOutcome reload_models(Services& services, const ModelReloadRequest& request) {
  const auto& caller = request.caller;
  const auto& who = caller.identity;
  require_role(services, who, models::Role::admin, "models reload");
  ModelReloadOutcome out;
  out.request_id = caller.request_id;
  const auto deployed = services.registry().deployed();
  std::vector<models::ModelRecord> targets;
  if (deployed) targets.push_back(*deployed);
  for (auto& m : services.registry().list(models::ModelStatus::staging))
    targets.push_back(std::move(m));
  nlohmann::json loaded = nlohmann::json::array();
  audit_refusals(services, who.principal, "models reload", [&] {
    for (const auto& m : targets) {
      // Throws Error(integrity) when an artifact or actor.bin differs from the registry.
      const ModelSource source = resolve_model(m.model_id, &services.backtests());
      out.models.push_back({m.model_id, m.version, models::to_string(m.status),
                            source.bundle.run.model_hash,
                            source.bundle.norm_stats.builder_version});
      loaded.push_back({{"model_id", m.model_id},
                        {"version", m.version},
                        {"status", models::to_string(m.status)},
                        {"model_hash", source.bundle.run.model_hash}});
    }
  });
  store::record_models_reload(services.pool(), actor_of(caller), request.reason, loaded, deployed);
  out.engines_notified = deployed.has_value();
  return out;
}

nlohmann::json to_json(const ModelReloadOutcome& o) {
  nlohmann::json loaded = nlohmann::json::array();
  for (const auto& m : o.models)
    loaded.push_back({{"model_id", m.model_id},
                      {"version", m.version},
                      {"status", m.status},
                      {"model_hash", m.model_hash},
                      {"builder_version", m.builder_version},
                      {"verified", true}});
  return {{"success", true},
          {"models", loaded},
          {"count", loaded.size()},
          {"engines_notified", o.engines_notified},
          {"request_id", o.request_id}};
}

}  // namespace usdcop::app
