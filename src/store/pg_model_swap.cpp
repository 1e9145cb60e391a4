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
  std::optional<std::string> deployed;
  if (!cur.empty()) deployed = text_of(cur[0][0]);
  const models::SwapPlan plan = models::plan_production_swap(next, deployed, ctx).value();
  const std::string& previous = plan.previous_model_id;
  if (!previous.empty()) {
    tx.exec_params(
        "UPDATE ml.model_registry SET status = 'archived', archived_at = now() WHERE model_id = $1",
        previous);
  }
  tx.exec_params(
      "UPDATE ml.model_registry SET status = 'deployed', deployed_at = now(), archived_at = NULL, "
      "was_production = true WHERE model_id = $1",
      new_model_id);
  for (const auto& entry : plan.audit) append_audit(tx, entry);
  notify(tx, plan.notification);
  return previous;
}

}  // namespace usdcop::store
