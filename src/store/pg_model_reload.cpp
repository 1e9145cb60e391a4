#include "store/pg_model_reload.hpp"

#include <pqxx/pqxx>

#include "store/notify.hpp"
#include "store/pg_copy.hpp"
#include "store/pg_registry_rows.hpp"

namespace usdcop::store {

void record_models_reload(ConnectionPool& pool, const Actor& actor, const std::string& reason,
                          const nlohmann::json& loaded,
                          const std::optional<models::ModelRecord>& deployed) {
  guard_connection("recording a models reload", [&] {
    auto conn = pool.acquire();
    pqxx::work tx(*conn, "models_reload");
    models::AuditEntry e;
    e.actor = actor.name;
    e.role = actor.role;
    e.action = "model.reload";
    e.object_type = "model_registry";
    e.object_id = deployed ? deployed->model_id : "";
    e.to_state = "reloaded";
    e.reason = reason;
    e.details = {{"models", loaded}};
    e.request_id = actor.request_id;
    append_audit(tx, e);
    if (deployed)
      notify(tx, events::ModelChanged{"reload", deployed->model_id, deployed->model_id,
                                      deployed->model_hash, actor.name, actor.request_id});
    tx.commit();
  });
}

}  // namespace usdcop::store
