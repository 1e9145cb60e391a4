#include "store/pg_promotions.hpp"

#include <pqxx/pqxx>

#include "core/error.hpp"
#include "models/run_directory.hpp"
#include "store/notify.hpp"
#include "store/pg_copy.hpp"
#include "store/pg_model_swap.hpp"
#include "store/pg_registry_rows.hpp"
#include "store/policy_reference.hpp"

namespace usdcop::store {

namespace {

models::PromotionRequest load_request(pqxx::transaction_base& tx, const std::string& id,
                                      bool for_update) {
  const auto r = tx.exec_params("SELECT " + kRequestColumns +
                                    " FROM ml.promotion_requests WHERE request_id::text = $1" +
                                    (for_update ? " FOR UPDATE" : ""),
                                id);
  if (r.empty())
    throw Error(ErrorKind::not_found, "promotion request '" + id + "' does not exist",
                "request_id");
  return request_from_row(r[0]);
}

// The transaction's now(): the instant every timestamp this transaction writes carries.
Timestamp transaction_now(pqxx::transaction_base& tx) {
  return from_micros(tx.exec("SELECT " + sql_micros_of("now()"))[0][0].as<int64_t>());
}

std::optional<models::BacktestSummary> find_backtest(pqxx::transaction_base& tx,
                                                     const std::string& backtest_id) {
  const auto r = tx.exec_params(
      "SELECT " + kBacktestColumns + " FROM ml.backtest_results WHERE backtest_uuid = $1::uuid",
      backtest_id);
  if (r.empty()) return std::nullopt;
  return backtest_from_row(r[0]);
}

// The actor hash the backtest recorded (nullopt: none, it predates them).
std::optional<std::string> backtest_model_hash(pqxx::transaction_base& tx,
                                               const std::string& backtest_id) {
  const auto r = tx.exec_params(
      "SELECT model_hash FROM ml.backtest_results WHERE backtest_uuid = $1::uuid", backtest_id);
  if (r.empty() || r[0][0].is_null()) return std::nullopt;
  return r[0][0].as<std::string>();
}

// The policy's pinned reference backtest configuration, resolved for the model (spec 12).
std::optional<models::ReferenceConfig> reference_for(pqxx::transaction_base& tx,
                                                     const models::PromotionThresholds& policy,
                                                     const models::ModelRecord& m) {
  if (!policy.reference) return std::nullopt;
  return resolve_reference(tx, *policy.reference, m);
}

// The production model, and the staging model's shadow bars paired with its inferences.
models::ShadowFacts shadow_facts(pqxx::transaction_base& tx, const models::ModelRecord& m) {
  models::ShadowFacts f;
  f.production_exists =
      !tx.exec("SELECT 1 FROM ml.model_registry WHERE status = 'deployed'").empty();
  if (!f.production_exists) return f;
  const int64_t since = m.staged_at ? to_micros(*m.staged_at) : to_pg_micros(Timestamp::min());
  const auto r = tx.exec_params(
      "SELECT count(*), count(*) FILTER (WHERE s.signal = p.signal) FROM "
      "trading.model_inferences s "
      "JOIN trading.model_inferences p ON p.time = s.time AND p.role = 'production' AND "
      "p.model_id <> s.model_id "
      "AND p.error IS NULL WHERE s.model_id = $1 AND s.role = 'shadow' AND s.error IS NULL AND "
      "s.time >= " +
          sql_time_from_micros("$2::bigint"),
      m.model_id, since);
  f.shadow_bars = r[0][0].as<long>();
  f.shadow_agreeing = r[0][1].as<long>();
  return f;
}

models::RequestSnapshot request_snapshot(pqxx::work& tx, const models::PromotionAsk& ask,
                                         const models::Principal& requester,
                                         const models::PromotionThresholds& policy) {
  models::RequestSnapshot s;
  s.ask = ask;
  s.requester = requester;
  s.policy = policy;
  s.model = load_model(tx, ask.model_id, true);
  s.now = transaction_now(tx);
  const auto pending = tx.exec_params(
      "SELECT request_id::text FROM ml.promotion_requests WHERE model_id = $1 AND target_stage = "
      "$2 AND final_decision = 'pending'",
      s.model.model_id, models::to_string(ask.stage));
  if (!pending.empty()) s.pending_request_id = text_of(pending[0][0]);
  s.backtest = find_backtest(tx, ask.backtest_id);
  s.backtest_model_hash = backtest_model_hash(tx, ask.backtest_id);
  if (ask.stage == models::Stage::production) s.shadow = shadow_facts(tx, s.model);
  s.reference = reference_for(tx, policy, s.model);
  return s;
}

// Writes the request row, the model's stage change and the audit rows of the plan.
std::string execute_request(pqxx::work& tx, const models::RequestSnapshot& s,
                            models::RequestPlan plan) {
  const models::PromotionAsk& ask = s.ask;
  const std::string decision = models::to_string(plan.decision);
  const auto ins = tx.exec_params(
      "INSERT INTO ml.promotion_requests (model_id, target_stage, backtest_id, reason, "
      "requested_by, auto_vote_status, auto_vote_details, auto_vote_at, skip_staging_time, "
      "final_decision, promoted_at) "
      "VALUES ($1, $2, $3::uuid, $4, $5, $6, $7::jsonb, now(), $8, $9, CASE WHEN $9 = 'promoted' "
      "THEN now() END) "
      "RETURNING request_id::text",
      s.model.model_id, models::to_string(ask.stage), ask.backtest_id, ask.reason, s.requester.name,
      plan.auto_vote.passed ? "passed" : "failed", plan.auto_vote.details().dump(),
      ask.skip_staging_time, decision);
  std::string id = text_of(ins[0][0]);
  models::bind_request_id(plan, id);
  if (const auto& change = plan.model_change) {
    const bool staged = change->to == models::ModelStatus::staging;
    tx.exec_params(std::string("UPDATE ml.model_registry SET status = $2") +
                       (staged ? ", staged_at = now()" : "") + " WHERE model_id = $1",
                   change->model_id, models::to_string(change->to));
  }
  for (const auto& entry : plan.audit) append_audit(tx, entry);
  return id;
}

}  // namespace

models::PromotionRequest PgPromotions::request(const NewPromotionRequest& req,
                                               const Actor& requester) {
  const models::PromotionAsk ask{req.model_id, req.stage, req.backtest_id, req.reason,
                                 req.skip_staging_time};
  const models::Principal who = principal_of(requester);
  if (auto refusal = models::check_promotion_ask(ask, who)) throw *refusal;
  return guard_connection("requesting a promotion", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "promotion_request");
    const models::RequestSnapshot snapshot = request_snapshot(tx, ask, who, thresholds_);
    models::RequestPlan plan = models::plan_promotion_request(snapshot).value();
    // The registered hashes, not the run directory's own run.json, decide (spec 12).
    const models::ModelRecord& m = snapshot.model;
    models::verify_registered_artifacts(m.artifact_uri, m.model_hash, m.norm_stats_hash);
    const std::string id = execute_request(tx, snapshot, std::move(plan));
    auto out = load_request(tx, id, false);
    tx.commit();
    return out;
  });
}

namespace {

// Four-eyes beyond the requester (spec 12): who registered the model, who trained its run
// (run.json's and the training row's trained_by).
void load_model_people(pqxx::work& tx, models::VoteSnapshot& s) {
  const auto reg = tx.exec_params(
      "SELECT actor FROM system.audit_log WHERE action = 'model.register' AND object_type = "
      "'model' AND object_id = $1 ORDER BY id LIMIT 1",
      s.request.model_id);
  if (!reg.empty()) s.registrar = text_of(reg[0][0]);
  const auto trainers = tx.exec_params(
      "SELECT m.config #>> '{run,trained_by}', e.config ->> 'trained_by' FROM ml.model_registry m "
      "LEFT JOIN ml.experiment_runs e ON e.run_id = m.run_id WHERE m.model_id = $1",
      s.request.model_id);
  for (const auto& row : trainers) {
    for (const auto& field : row) {
      if (!field.is_null()) s.trainers.push_back(field.as<std::string>());
    }
  }
}

models::VoteSnapshot vote_snapshot(pqxx::work& tx, const std::string& request_id,
                                   const models::ManualVote& vote, const std::string& corr,
                                   const models::PromotionThresholds& policy) {
  models::VoteSnapshot s;
  s.request = load_request(tx, request_id, true);
  s.vote = vote;
  s.correlation_id = corr;
  s.policy = policy;
  s.now = transaction_now(tx);
  if (s.request.target_stage != "production" || s.request.final_decision != "pending")
    return s;  // refused by the rule before anything else is read
  s.model = load_model(tx, s.request.model_id, true);
  load_model_people(tx, s);
  s.backtest = find_backtest(tx, s.request.backtest_id);
  s.shadow = shadow_facts(tx, s.model);
  s.reference = reference_for(tx, policy, s.model);
  return s;
}

void execute_expiry(pqxx::work& tx, const models::VoteSnapshot& s, const models::VotePlan& plan) {
  tx.exec_params(
      "UPDATE ml.promotion_requests SET final_decision = 'expired', updated_at = now() WHERE "
      "request_id = $1::uuid",
      s.request.request_id);
  for (const auto& entry : plan.audit) append_audit(tx, entry);
}

void execute_vote(pqxx::work& tx, const models::VoteSnapshot& s, const models::VotePlan& plan) {
  const models::ManualVote& vote = s.vote;
  const std::string& id = s.request.request_id;
  const std::string decision = models::to_string(plan.decision);
  if (plan.promotes) {
    lock_model_change(tx);
    models::verify_registered_artifacts(s.model.artifact_uri, s.model.model_hash,
                                        s.model.norm_stats_hash);
  }
  tx.exec_params(
      "UPDATE ml.promotion_requests SET auto_vote_status = $2, auto_vote_details = $3::jsonb, "
      "auto_vote_at = now() WHERE request_id = $1::uuid",
      id, plan.auto_vote.passed ? "passed" : "failed", plan.auto_vote.details().dump());
  tx.exec_params(
      "UPDATE ml.promotion_requests SET manual_vote_status = $2, manual_vote_by = $3, "
      "manual_vote_role = $4, manual_vote_at = now(), manual_vote_comment = $5, "
      "checklist_backtest_reviewed = $6, checklist_metrics_acceptable = $7, "
      "checklist_team_notified = $8, final_decision = $9, updated_at = now(), "
      "promoted_at = CASE WHEN $10 THEN now() END WHERE request_id = $1::uuid",
      id, vote.approve ? "approved" : "rejected", vote.voter, models::to_string(vote.role),
      vote.comment, vote.backtest_reviewed, vote.metrics_acceptable, vote.team_notified, decision,
      plan.promotes);
  for (const auto& entry : plan.audit) append_audit(tx, entry);
  if (plan.promotes) {
    const models::AuditEntry& voted = plan.audit.back();
    swap_production_model(tx, s.request.model_id,
                          {vote.voter, voted.role, vote.comment, voted.request_id, "promotion",
                           nlohmann::json{{"request_id", id}, {"decision", decision}}});
  }
  if (plan.alert) notify(tx, *plan.alert);
}

}  // namespace

models::PromotionRequest PgPromotions::vote(const std::string& request_id,
                                            const models::ManualVote& vote,
                                            const std::string& correlation_id) {
  if (!models::looks_like_uuid(request_id))
    throw Error(ErrorKind::invalid_input, "'" + request_id + "' is not a UUID", "request_id");
  return guard_connection("recording a vote", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "promotion_vote");
    const models::VoteSnapshot snapshot =
        vote_snapshot(tx, request_id, vote, correlation_id, thresholds_);
    const models::VotePlan plan = models::plan_manual_vote(snapshot).value();
    if (plan.expired) {
      execute_expiry(tx, snapshot, plan);
      tx.commit();
      throw *plan.expired;
    }
    execute_vote(tx, snapshot, plan);
    auto out = load_request(tx, request_id, false);
    tx.commit();
    return out;
  });
}

std::vector<models::PromotionRequest> PgPromotions::list(
    const std::optional<std::string>& final_decision) {
  return guard_connection("listing promotion requests", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    const std::string sql = "SELECT " + kRequestColumns + " FROM ml.promotion_requests" +
                            (final_decision ? " WHERE final_decision = $1" : "") +
                            " ORDER BY created_at DESC";
    const auto rows = final_decision ? tx.exec_params(sql, *final_decision) : tx.exec(sql);
    std::vector<models::PromotionRequest> out;
    for (const auto& r : rows) out.push_back(request_from_row(r));
    return out;
  });
}

models::PromotionRequest PgPromotions::get(const std::string& request_id) {
  if (!models::looks_like_uuid(request_id))
    throw Error(ErrorKind::invalid_input, "'" + request_id + "' is not a UUID", "request_id");
  return guard_connection("reading a promotion request", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    return load_request(tx, request_id, false);
  });
}

}  // namespace usdcop::store
