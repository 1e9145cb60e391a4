#include "models/promotion_rules.hpp"

#include <algorithm>
#include <cctype>

#include "core/text_hygiene.hpp"

namespace usdcop::models {

namespace {

// The rules that throw (reason validation) as a refusal.
template <class F>
std::optional<Error> refusal_of(F&& check) {
  try {
    check();
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

const char* vote_status(bool passed) {
  return passed ? "passed" : "failed";
}

nlohmann::json days_or_null(const std::optional<double>& d) {
  return d ? nlohmann::json(*d) : nlohmann::json(nullptr);
}

std::optional<Error> check_model_for_request(const RequestSnapshot& s) {
  const ModelRecord& m = s.model;
  const auto need = s.ask.stage == Stage::staging ? ModelStatus::registered : ModelStatus::staging;
  if (m.status != need) {
    return Error(ErrorKind::conflict,
                 "model '" + m.model_id + "' is " + to_string(m.status) + "; a " +
                     to_string(s.ask.stage) + " request needs a " + to_string(need) + " model",
                 "model_id");
  }
  if (s.pending_request_id) {
    return Error(ErrorKind::conflict,
                 "request " + *s.pending_request_id + " for this model and stage is still pending",
                 "model_id");
  }
  return std::nullopt;
}

// The backtest must exist, be of this model and have run its registered actor (spec 12).
std::optional<Error> check_backtest_for_request(const RequestSnapshot& s) {
  const std::string& id = s.ask.backtest_id;
  const ModelRecord& m = s.model;
  if (!s.backtest) {
    return Error(ErrorKind::not_found, "backtest '" + id + "' does not exist", "backtest_id");
  }
  if (s.backtest->model_id != m.model_id) {
    return Error(
        ErrorKind::invalid_input,
        "backtest " + id + " is of model '" + s.backtest->model_id + "', not '" + m.model_id + "'",
        "backtest_id");
  }
  if (!s.backtest_model_hash) {
    return Error(ErrorKind::conflict,
                 "backtest " + id + " records no model hash (it predates them); backtest " +
                     m.model_id + " again",
                 "backtest_id");
  }
  if (*s.backtest_model_hash != m.model_hash) {
    return Error(ErrorKind::integrity,
                 "backtest " + id + " ran actor.bin " + *s.backtest_model_hash +
                     ", not the registered " + m.model_hash + " of " + m.model_id,
                 "backtest_id");
  }
  return std::nullopt;
}

AuditEntry audit_row(const Principal& who, const std::string& action,
                     const std::string& object_type, const std::string& object_id,
                     const std::string& from, const std::string& to, const std::string& reason,
                     nlohmann::json details) {
  AuditEntry e;
  e.actor = who.name;
  e.role = to_string(who.role);
  e.action = action;
  e.object_type = object_type;
  e.object_id = object_id;
  e.from_state = from;
  e.to_state = to;
  e.reason = reason;
  e.details = std::move(details);
  e.request_id = who.request_id;
  return e;
}

// The audit rows of a request; the request's own id is bound later (bind_request_id).
std::vector<AuditEntry> request_audit(const RequestSnapshot& s, const RequestPlan& plan,
                                      const ProductionFacts& facts) {
  const PromotionAsk& ask = s.ask;
  const std::string decision = to_string(plan.decision);
  std::vector<AuditEntry> out;
  out.push_back(audit_row(s.requester, "promotion.request", "promotion_request", "", "", decision,
                          ask.reason,
                          {{"target_stage", to_string(ask.stage)},
                           {"backtest_id", ask.backtest_id},
                           {"auto_vote", vote_status(plan.auto_vote.passed)},
                           {"gates", plan.auto_vote.details()},
                           {"model_id", s.model.model_id}}));
  if (ask.skip_staging_time) {
    out.push_back(audit_row(s.requester, "promotion.skip_staging_time", "promotion_request", "", "",
                            "", ask.reason,
                            {{"model_id", s.model.model_id},
                             {"days_in_staging", days_or_null(facts.days_in_staging)}}));
  }
  if (plan.model_change) {
    out.push_back(audit_row(s.requester, "model.stage", "model", s.model.model_id,
                            to_string(plan.model_change->from), to_string(plan.model_change->to),
                            ask.reason,
                            {{"request_id", nullptr}, {"auto_vote", plan.auto_vote.details()}}));
  }
  return out;
}

}  // namespace

bool looks_like_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

ProductionFacts production_facts_at(const ModelRecord& m, const ShadowFacts& shadow,
                                    bool skip_staging_time, Timestamp now) {
  ProductionFacts f;
  f.skip_staging_time = skip_staging_time;
  if (m.staged_at) {
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now - *m.staged_at).count();
    f.days_in_staging = static_cast<double>(micros) / (86400.0 * 1e6);
  }
  f.production_exists = shadow.production_exists;
  if (shadow.production_exists) {
    f.shadow_bars = shadow.shadow_bars;
    f.shadow_agreeing = shadow.shadow_agreeing;
  }
  return f;
}

std::optional<Error> check_promotion_ask(const PromotionAsk& ask, const Principal& requester) {
  if (auto e = refusal_of([&] { validate_reason(ask.reason); })) return e;
  if (requester.name.empty())
    return Error(ErrorKind::invalid_input, "the requester must be named", "requested_by");
  if (!at_least(requester.role, Role::operator_)) {
    return Error(ErrorKind::conflict,
                 std::string("a promotion request needs role operator; '") + requester.name +
                     "' is " + to_string(requester.role),
                 "role");
  }
  if (ask.skip_staging_time) {
    if (ask.stage != Stage::production)
      return Error(ErrorKind::invalid_input, "applies to production requests only",
                   "skip_staging_time");
    if (requester.role != Role::admin)
      return Error(ErrorKind::conflict,
                   std::string("only an admin may bypass the staging time (role is ") +
                       to_string(requester.role) + ")",
                   "skip_staging_time");
  }
  if (!looks_like_uuid(ask.backtest_id))
    return Error(ErrorKind::invalid_input, "'" + ask.backtest_id + "' is not a UUID",
                 "backtest_id");
  return std::nullopt;
}

Decision<RequestPlan> plan_promotion_request(const RequestSnapshot& s) {
  if (auto e = check_promotion_ask(s.ask, s.requester)) return *e;
  if (auto e = check_model_for_request(s)) return *e;
  if (auto e = check_backtest_for_request(s)) return *e;
  ProductionFacts facts;
  if (s.ask.stage == Stage::production)
    facts = production_facts_at(s.model, s.shadow, s.ask.skip_staging_time, s.now);
  RequestPlan plan;
  plan.auto_vote = compute_auto_vote(s.ask.stage, *s.backtest, s.policy, s.model.training_end,
                                     facts, s.reference);
  if (s.ask.stage == Stage::staging) {
    const bool passed = plan.auto_vote.passed;
    plan.decision = passed ? FinalDecision::promoted : FinalDecision::rejected;
    plan.model_change = ModelStatusChange{s.model.model_id, ModelStatus::registered,
                                          passed ? ModelStatus::staging : ModelStatus::rejected};
  }
  plan.audit = request_audit(s, plan, facts);
  return plan;
}

void bind_request_id(RequestPlan& plan, const std::string& request_id) {
  for (auto& e : plan.audit) {
    if (e.object_type == "promotion_request" && e.object_id.empty()) e.object_id = request_id;
    if (e.details.contains("request_id") && e.details["request_id"].is_null())
      e.details["request_id"] = request_id;
    if (e.request_id.empty()) e.request_id = request_id;
  }
}

// ---- manual vote ---------------------------------------------------------------------------

Decision<FinalDecision> judge_manual_vote(const std::string& requested_by, bool auto_passed,
                                          const ManualVote& vote) {
  if (blank_looking(vote.voter))
    return Error(ErrorKind::invalid_input, "must not be empty", "voter");
  if (vote.voter == requested_by) {
    return Error(ErrorKind::conflict,
                 "four-eyes rule: '" + vote.voter +
                     "' requested this promotion and may not vote on it; another person must",
                 "voter");
  }
  if (!at_least(vote.role, Role::operator_) || vote.role == Role::system) {
    return Error(ErrorKind::conflict,
                 std::string("a manual vote needs role operator or admin (got ") +
                     to_string(vote.role) + ")",
                 "role");
  }
  if (blank_looking(vote.comment))
    return Error(ErrorKind::invalid_input, "a manual vote needs a comment", "comment");
  if (auto e = refusal_of([&] { require_reason(vote.comment, "comment", 1); })) return *e;
  if (!vote.approve) return FinalDecision::rejected;
  std::string missing;
  for (const auto& [item, ticked] : {std::pair{"backtest_reviewed", vote.backtest_reviewed},
                                     std::pair{"metrics_acceptable", vote.metrics_acceptable},
                                     std::pair{"team_notified", vote.team_notified}}) {
    if (!ticked) missing += std::string(missing.empty() ? "" : ", ") + item;
  }
  if (!missing.empty()) {
    return Error(ErrorKind::invalid_input, "an approval needs every item; missing: " + missing,
                 "checklist");
  }
  if (auto_passed) return FinalDecision::promoted;
  if (vote.role != Role::admin) {
    return Error(ErrorKind::conflict,
                 "the auto vote failed; only an admin may approve it (override_promoted), role "
                 "is " +
                     std::string(to_string(vote.role)),
                 "role");
  }
  if (auto e = refusal_of([&] { validate_reason(vote.comment, "comment"); }))
    return Error(e->kind(), std::string("the override reason ") + e->what(), "comment");
  return FinalDecision::override_promoted;
}

namespace {

// Four-eyes beyond the requester (spec 12): neither the registrar nor the trainer may vote.
std::optional<Error> check_independent_voter(const VoteSnapshot& s) {
  const std::string& voter = s.vote.voter;
  const std::string& model = s.request.model_id;
  if (!s.registrar.empty() && s.registrar == voter) {
    return Error(ErrorKind::conflict,
                 "four-eyes rule: '" + voter + "' registered " + model +
                     " and may not vote on its promotion; another person must",
                 "voter");
  }
  if (std::find(s.trainers.begin(), s.trainers.end(), voter) != s.trainers.end()) {
    return Error(ErrorKind::conflict,
                 "four-eyes rule: '" + voter + "' trained " + model +
                     " and may not vote on its promotion; another person must",
                 "voter");
  }
  return std::nullopt;
}

std::optional<Error> check_request_open(const PromotionRequest& q) {
  if (q.target_stage != "production")
    return Error(ErrorKind::conflict,
                 "request " + q.request_id + " is a staging request, decided by the auto vote",
                 "request_id");
  if (q.final_decision != "pending")
    return Error(ErrorKind::conflict,
                 "request " + q.request_id + " was already decided (" + q.final_decision + ")",
                 "request_id");
  return std::nullopt;
}

bool expired_at(const PromotionRequest& q, Timestamp now) {
  return q.created_at < now - std::chrono::hours(24 * kRequestLifetimeDays);
}

VotePlan expiry_plan(const PromotionRequest& q) {
  VotePlan plan;
  const std::string days = std::to_string(kRequestLifetimeDays);
  plan.expired = Error(
      ErrorKind::conflict,
      "request " + q.request_id + " is older than " + days + " days and has expired; request again",
      "request_id");
  Principal scheduler{"system:scheduler", Role::system, ""};
  plan.audit.push_back(audit_row(scheduler, "promotion.expire", "promotion_request", q.request_id,
                                 "pending", "expired", "pending for more than " + days + " days",
                                 {{"model_id", q.model_id}}));
  return plan;
}

AuditEntry vote_audit(const VoteSnapshot& s, const VotePlan& plan) {
  const ManualVote& v = s.vote;
  const bool override_vote = plan.decision == FinalDecision::override_promoted;
  nlohmann::json details{{"model_id", s.request.model_id},
                         {"vote", v.approve ? "approved" : "rejected"},
                         {"auto_vote", vote_status(plan.auto_vote.passed)},
                         {"override", override_vote},
                         {"checklist",
                          {{"backtest_reviewed", v.backtest_reviewed},
                           {"metrics_acceptable", v.metrics_acceptable},
                           {"team_notified", v.team_notified}}}};
  if (override_vote) details["failed_gates"] = plan.auto_vote.details();
  const std::string corr = s.correlation_id.empty() ? s.request.request_id : s.correlation_id;
  return audit_row({v.voter, v.role, corr}, override_vote ? "promotion.override" : "promotion.vote",
                   "promotion_request", s.request.request_id, "pending", to_string(plan.decision),
                   v.comment, details);
}

}  // namespace

Decision<VotePlan> plan_manual_vote(const VoteSnapshot& s) {
  const PromotionRequest& q = s.request;
  if (auto e = check_request_open(q)) return *e;
  if (auto e = check_independent_voter(s)) return *e;
  if (expired_at(q, s.now)) return expiry_plan(q);
  if (!s.backtest)
    return Error(ErrorKind::not_found, "backtest '" + q.backtest_id + "' no longer exists",
                 "backtest_id");
  VotePlan plan;
  plan.auto_vote = compute_auto_vote(
      Stage::production, *s.backtest, s.policy, s.model.training_end,
      production_facts_at(s.model, s.shadow, q.skip_staging_time, s.now), s.reference);
  auto judged = judge_manual_vote(q.requested_by, plan.auto_vote.passed, s.vote);
  if (!judged) return judged.error();
  plan.decision = judged.value();
  plan.promotes =
      plan.decision == FinalDecision::promoted || plan.decision == FinalDecision::override_promoted;
  if (plan.promotes && s.model.status != ModelStatus::staging) {
    return Error(ErrorKind::conflict,
                 "model '" + s.model.model_id + "' is " + to_string(s.model.status) +
                     " now; only a staging model can be promoted to production",
                 "model_id");
  }
  plan.audit.push_back(vote_audit(s, plan));
  if (plan.decision == FinalDecision::override_promoted) {
    plan.alert =
        events::Alert{"promotion_override",
                      "P1",
                      "override promotion of " + q.model_id + " to production by " + s.vote.voter,
                      {{"request_id", q.request_id}, {"failed_gates", plan.auto_vote.details()}}};
  }
  return plan;
}

}  // namespace usdcop::models
