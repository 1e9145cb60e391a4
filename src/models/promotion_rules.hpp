#pragma once
// The promotion, vote and rollback rules of spec 05 and 12 as pure functions: given a snapshot
// of everything the rule reads (the request, the votes, the policy, the model's state, the
// acting principal and role, the transaction's "now") they return a plan -- the exact state
// changes and audit rows to write -- or a refusal (usdcop::Error with kind, logical field and
// reason). The store loads the snapshot inside its transaction, with its row locks, and executes
// the plan in that same transaction; nothing here reads a database, a file or a clock.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "events/payloads.hpp"
#include "models/audit_entry.hpp"
#include "models/model.hpp"
#include "models/promotion_policy.hpp"
#include "models/promotion_request.hpp"

namespace usdcop::models {

// A rule either accepts with a plan or refuses with an Error (kind, field, reason).
template <class Plan>
using Decision = Result<Plan>;

// The authenticated principal acting, its role and the correlation id of the operation.
struct Principal {
  std::string name;
  Role role = Role::viewer;
  std::string request_id;
};

// 8-4-4-4-12 hex digits: the ids of requests and backtests.
bool looks_like_uuid(const std::string& s);

// Pending requests older than this expire instead of being voted (spec 12).
inline constexpr int kRequestLifetimeDays = 14;

// ---- request -------------------------------------------------------------------------------

struct PromotionAsk {
  std::string model_id;
  Stage stage = Stage::staging;
  std::string backtest_id;
  std::string reason;
  bool skip_staging_time = false;
};

// The production gates' facts read from the inference log.
struct ShadowFacts {
  bool production_exists = false;
  long shadow_bars = 0, shadow_agreeing = 0;
};

struct RequestSnapshot {
  PromotionAsk ask;
  Principal requester;
  PromotionThresholds policy;
  ModelRecord model;                               // locked
  std::optional<std::string> pending_request_id;   // same model and stage, still pending
  std::optional<BacktestSummary> backtest;         // nullopt: no such backtest
  std::optional<std::string> backtest_model_hash;  // the actor hash it ran (nullopt: none)
  ShadowFacts shadow;                              // production requests
  std::optional<ReferenceConfig> reference;        // the policy's pin for this model
  Timestamp now{};
};

struct ModelStatusChange {
  std::string model_id;
  ModelStatus from = ModelStatus::registered, to = ModelStatus::registered;
};

// What a request writes: the request row (auto vote and decision), the model's stage change
// (staging requests), the audit rows. The request's id is only known once inserted: audit rows
// about it carry an empty object_id, filled by bind_request_id.
struct RequestPlan {
  AutoVote auto_vote;
  FinalDecision decision = FinalDecision::pending;
  std::optional<ModelStatusChange> model_change;
  std::vector<AuditEntry> audit;
};

// The checks that need no stored state (reason, requester, skip, backtest id, role); the store
// runs them before opening a transaction. plan_promotion_request repeats them.
std::optional<Error> check_promotion_ask(const PromotionAsk& ask, const Principal& requester);
Decision<RequestPlan> plan_promotion_request(const RequestSnapshot& s);
// Fills the new request's id into the plan's audit rows (object id, details, correlation id
// when the principal gave none).
void bind_request_id(RequestPlan& plan, const std::string& request_id);

// The production gates' facts at `now` (days in staging from the model's staged_at).
ProductionFacts production_facts_at(const ModelRecord& m, const ShadowFacts& shadow,
                                    bool skip_staging_time, Timestamp now);

// ---- manual vote ---------------------------------------------------------------------------

struct VoteSnapshot {
  PromotionRequest request;  // locked
  ManualVote vote;
  std::string correlation_id;  // "" -> the request id
  PromotionThresholds policy;
  ModelRecord model;                        // locked
  std::string registrar;                    // who registered the model ("" unknown)
  std::vector<std::string> trainers;        // trained_by of the run (run.json, training row)
  std::optional<BacktestSummary> backtest;  // nullopt: deleted since the request
  ShadowFacts shadow;
  std::optional<ReferenceConfig> reference;
  Timestamp now{};
};

struct VotePlan {
  // The request expired: write `audit` (the expiry) and the request's new state, commit, then
  // refuse with `expired`.
  std::optional<Error> expired;
  AutoVote auto_vote;  // recomputed at the vote (spec 12); stored and decides
  FinalDecision decision = FinalDecision::pending;
  bool promotes = false;  // the model goes to production: lock, swap, notify
  std::vector<AuditEntry> audit;
  std::optional<events::Alert> alert;  // override promotions are flagged (usdcop_alerts)
};

// Validates the manual vote itself (four-eyes with the requester, role, comment, checklist,
// override) and returns the final decision or the refusal (field voter|role|comment|checklist).
Decision<FinalDecision> judge_manual_vote(const std::string& requested_by, bool auto_passed,
                                          const ManualVote& vote);
Decision<VotePlan> plan_manual_vote(const VoteSnapshot& s);

// ---- production swap and rollback ----------------------------------------------------------

// The swap shared by promotion and rollback: the deployed model (if any) -> archived, the new
// one -> deployed (was_production), both audited, then NOTIFY model_changed.
struct SwapPlan {
  std::string new_model_id, previous_model_id;  // previous: "" when none was deployed
  std::vector<AuditEntry> audit;
  events::ModelChanged notification;  // the model_changed payload
};
struct SwapContext {
  std::string actor, role, reason, request_id;
  std::string event;  // "promotion" | "rollback"
  nlohmann::json details = nlohmann::json::object();
};
Decision<SwapPlan> plan_production_swap(const ModelRecord& next,
                                        const std::optional<std::string>& deployed,
                                        const SwapContext& ctx);

struct RollbackSnapshot {
  std::optional<std::string> target_model_id;  // nullopt: the recommended target
  std::string reason;
  Principal actor;
  std::optional<ModelRecord> current;  // the deployed model
  std::optional<ModelRecord> target;   // the explicit target, or the recommended one
  std::optional<std::string> running_builder_version;  // default: the current model's
};
struct RollbackPlan {
  ModelRecord target;
  SwapContext swap;
};
// Who may roll back (admin, or the system monitor), what may be a target (a former production
// model, not the current one, with a compatible feature builder).
std::optional<Error> check_rollback_ask(const std::string& reason, const Principal& actor);
Decision<RollbackPlan> plan_rollback(const RollbackSnapshot& s);

}  // namespace usdcop::models
