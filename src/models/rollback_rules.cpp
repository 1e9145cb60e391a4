// The production swap and rollback rules of models/promotion_rules.hpp.
#include "models/promotion_rules.hpp"
#include "models/run_directory.hpp"

namespace usdcop::models {

namespace {

nlohmann::json text_or_null(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

AuditEntry swap_audit(const SwapContext& ctx, const std::string& model_id, const std::string& from,
                      const std::string& to, nlohmann::json details) {
  AuditEntry e;
  e.actor = ctx.actor;
  e.role = ctx.role;
  e.action = "model." + ctx.event;
  e.object_type = "model";
  e.object_id = model_id;
  e.from_state = from;
  e.to_state = to;
  e.reason = ctx.reason;
  e.details = std::move(details);
  e.request_id = ctx.request_id;
  return e;
}

}  // namespace

Decision<SwapPlan> plan_production_swap(const ModelRecord& next,
                                        const std::optional<std::string>& deployed,
                                        const SwapContext& ctx) {
  const std::string previous = deployed.value_or("");
  if (previous == next.model_id) {
    return Error(ErrorKind::conflict, "model '" + next.model_id + "' is already deployed",
                 "model_id");
  }
  SwapPlan plan;
  plan.new_model_id = next.model_id;
  plan.previous_model_id = previous;
  nlohmann::json details = ctx.details;
  details["event"] = ctx.event;
  if (!previous.empty()) {
    nlohmann::json archived = details;
    archived["replaced_by"] = next.model_id;
    plan.audit.push_back(swap_audit(ctx, previous, "deployed", "archived", archived));
  }
  details["replaces"] = text_or_null(previous);
  plan.audit.push_back(swap_audit(ctx, next.model_id, to_string(next.status), "deployed", details));
  plan.notification = events::ModelChanged{
      ctx.event,     previous.empty() ? std::nullopt : std::optional<std::string>(previous),
      next.model_id, next.model_hash,
      ctx.actor,     ctx.request_id};
  return plan;
}

std::optional<Error> check_rollback_ask(const std::string& reason, const Principal& actor) {
  try {
    validate_reason(reason);
  } catch (const Error& e) {
    return e;
  }
  // Spec 12: rollback is admin; the automatic monitor acts as the system principal.
  if (actor.role != Role::admin && actor.role != Role::system) {
    return Error(ErrorKind::conflict,
                 "a rollback needs role admin; '" + actor.name + "' is " + to_string(actor.role),
                 "role");
  }
  return std::nullopt;
}

Decision<RollbackPlan> plan_rollback(const RollbackSnapshot& s) {
  if (auto e = check_rollback_ask(s.reason, s.actor)) return *e;
  if (!s.current)
    return Error(ErrorKind::not_found, "there is no production model to roll back from");
  const ModelRecord& current = *s.current;
  if (!s.target) {
    if (s.target_model_id)
      return Error(ErrorKind::not_found, "model '" + *s.target_model_id + "' is not registered",
                   "target_model_id");
    return Error(ErrorKind::not_found, "there is no former production model to roll back to");
  }
  const ModelRecord& next = *s.target;
  if (next.model_id == current.model_id) {
    return Error(ErrorKind::invalid_input,
                 "'" + next.model_id + "' is the current production model", "target_model_id");
  }
  if (!next.was_production || next.status != ModelStatus::archived) {
    return Error(ErrorKind::invalid_input,
                 "'" + next.model_id + "' is not a former production model (status " +
                     to_string(next.status) + ")",
                 "target_model_id");
  }
  const std::string running = s.running_builder_version.value_or(current.builder_version);
  if (!builder_compatible(next.builder_version, running)) {
    return Error(ErrorKind::invalid_input,
                 "model '" + next.model_id + "' was built with feature builder " +
                     next.builder_version + ", incompatible with the running " + running,
                 "target_model_id");
  }
  RollbackPlan plan;
  plan.target = next;
  plan.swap = {s.actor.name,
               to_string(s.actor.role),
               s.reason,
               s.actor.request_id,
               "rollback",
               nlohmann::json{{"target_chosen", s.target_model_id ? "explicit" : "recommended"}}};
  return plan;
}

}  // namespace usdcop::models
