#include "store/pg_model_swap.hpp"

#include "core/error.hpp"
#include "store/notify.hpp"
#include "store/pg_registry_rows.hpp"

namespace usdcop::store {

void lock_model_change(pqxx::transaction_base& tx) {
  if (!tx.exec("SELECT ml.try_lock_model_change()")[0][0].as<bool>()) {
    throw Error(ErrorKind::conflict,
                "a rollback or promotion is in progress; try again when it has finished");
  }
}

std::string swap_production_model(pqxx::transaction_base& tx, const std::string& new_model_id,
                                  const SwapContext& ctx) {
  const auto next = load_model(tx, new_model_id, true);
  const auto cur =
      tx.exec("SELECT model_id FROM ml.model_registry WHERE status = 'deployed' FOR UPDATE");
  const std::string previous = cur.empty() ? std::string() : text_of(cur[0][0]);
  if (previous == new_model_id)
    throw Error(ErrorKind::conflict, "model '" + new_model_id + "' is already deployed");
  nlohmann::json details = ctx.details;
  details["event"] = ctx.event;
  if (!previous.empty()) {
    tx.exec_params(
        "UPDATE ml.model_registry SET status = 'archived', archived_at = now() WHERE model_id = $1",
        previous);
    details["replaced_by"] = new_model_id;
    append_audit(tx, {0,
                      {},
                      ctx.actor,
                      ctx.role,
                      "model." + ctx.event,
                      "model",
                      previous,
                      "deployed",
                      "archived",
                      ctx.reason,
                      details,
                      ctx.request_id});
    details.erase("replaced_by");
  }
  tx.exec_params(
      "UPDATE ml.model_registry SET status = 'deployed', deployed_at = now(), archived_at = NULL, "
      "was_production = true WHERE model_id = $1",
      new_model_id);
  details["replaces"] = previous.empty() ? nlohmann::json(nullptr) : nlohmann::json(previous);
  append_audit(tx, {0,
                    {},
                    ctx.actor,
                    ctx.role,
                    "model." + ctx.event,
                    "model",
                    new_model_id,
                    models::to_string(next.status),
                    "deployed",
                    ctx.reason,
                    details,
                    ctx.request_id});
  notify(tx,
         events::ModelChanged{ctx.event, previous.empty() ? std::nullopt : std::optional(previous),
                              new_model_id, next.model_hash, ctx.actor, ctx.request_id});
  return previous;
}

}  // namespace usdcop::store
