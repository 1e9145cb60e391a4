#pragma once
// The production swap shared by promotion and rollback (spec 05): under the model-change
// advisory lock, in the caller's transaction, the deployed model becomes archived, the new
// one deployed (was_production = true), both transitions are audited and NOTIFY model_changed
// is queued through store::notify (delivered at commit).
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <string>

#include "models/audit_entry.hpp"

namespace usdcop::store {

// Takes the transaction-scoped lock; throws Error(conflict) "a rollback or promotion is in
// progress" when another transaction holds it (no waiting: the loser reports at once).
void lock_model_change(pqxx::transaction_base& tx);

struct SwapContext {
  std::string actor, role, reason, request_id;
  std::string event;  // "promotion" | "rollback"
  nlohmann::json details = nlohmann::json::object();
};

// The deployed model before the swap ("" when there was none).
std::string swap_production_model(pqxx::transaction_base& tx, const std::string& new_model_id,
                                  const SwapContext& ctx);

}  // namespace usdcop::store
