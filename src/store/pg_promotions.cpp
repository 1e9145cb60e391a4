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

// Spec 12: the backtest must have run the registered actor (its recorded model_hash).
void require_backtest_of_registered_actor(pqxx::work& tx, const std::string& backtest_id,
                                          const models::ModelRecord& m) {
  const auto r = tx.exec_params(
      "SELECT model_hash FROM ml.backtest_results WHERE backtest_uuid = $1::uuid", backtest_id);
  if (r.empty() || r[0][0].is_null()) {
    throw Error(ErrorKind::conflict, "--backtest: backtest " + backtest_id +
                                         " records no model hash (it predates them); run `usdcop "
                                         "backtest --model " +
                                         m.model_id + "` again");
  }
  if (r[0][0].as<std::string>() != m.model_hash) {
    throw Error(ErrorKind::integrity, "--backtest: backtest " + backtest_id + " ran actor.bin " +
                                          r[0][0].as<std::string>() + ", not the registered " +
                                          m.model_hash + " of " + m.model_id);
  }
}

models::PromotionRequest load_request(pqxx::transaction_base& tx, const std::string& id,
                                      bool for_update) {
  const auto r = tx.exec_params("SELECT " + kRequestColumns +
                                    " FROM ml.promotion_requests WHERE request_id::text = $1" +
                                    (for_update ? " FOR UPDATE" : ""),
                                id);
  if (r.empty()) throw Error(ErrorKind::not_found, "promotion request '" + id + "' does not exist");
  return request_from_row(r[0]);
}

bool looks_like_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// The policy's pinned reference backtest configuration, resolved for the model (spec 12).
std::optional<models::ReferenceConfig> reference_for(pqxx::work& tx,
                                                     const models::PromotionThresholds& policy,
                                                     const models::ModelRecord& m) {
  if (!policy.reference) return std::nullopt;
  return resolve_reference(tx, *policy.reference, m);
}

// The production gates' facts: staging days, the production model, paired shadow bars.
models::ProductionFacts production_facts(pqxx::transaction_base& tx, const models::ModelRecord& m,
                                         bool skip) {
  models::ProductionFacts f;
  f.skip_staging_time = skip;
  if (m.staged_at) {
    const auto r = tx.exec_params(
        "SELECT extract(epoch FROM now() - " + sql_time_from_micros("$1::bigint") + ") / 86400.0",
        to_micros(*m.staged_at));
    f.days_in_staging = r[0][0].as<double>();
  }
  f.production_exists =
      !tx.exec("SELECT 1 FROM ml.model_registry WHERE status = 'deployed'").empty();
  if (f.production_exists) {
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
  }
  return f;
}

}  // namespace

models::PromotionRequest PgPromotions::request(const NewPromotionRequest& req,
                                               const Actor& requester) {
  models::validate_reason(req.reason);
  if (requester.name.empty())
    throw Error(ErrorKind::invalid_input, "--as: the requester must be named");
  if (req.skip_staging_time) {
    if (req.stage != models::Stage::production)
      throw Error(ErrorKind::invalid_input,
                  "--skip-staging-time: applies to production requests only");
    if (requester.role != "admin")
      throw Error(ErrorKind::conflict,
                  "--skip-staging-time: only an admin may bypass the staging time (role is " +
                      requester.role + ")");
  }
  if (!looks_like_uuid(req.backtest_id))
    throw Error(ErrorKind::invalid_input, "--backtest: '" + req.backtest_id + "' is not a UUID");
  return guard_connection("requesting a promotion", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "promotion_request");
    const models::ModelRecord m = load_model(tx, req.model_id, true);
    const auto need = req.stage == models::Stage::staging ? models::ModelStatus::registered
                                                          : models::ModelStatus::staging;
    if (m.status != need) {
      throw Error(ErrorKind::conflict, "model '" + m.model_id + "' is " +
                                           models::to_string(m.status) + "; a " +
                                           models::to_string(req.stage) + " request needs a " +
                                           models::to_string(need) + " model");
    }
    // The registered hashes, not the run directory's own run.json, decide (spec 12).
    models::verify_registered_artifacts(m.artifact_uri, m.model_hash, m.norm_stats_hash);
    const auto pending = tx.exec_params(
        "SELECT request_id::text FROM ml.promotion_requests WHERE model_id = $1 AND target_stage = "
        "$2 AND "
        "final_decision = 'pending'",
        m.model_id, models::to_string(req.stage));
    if (!pending.empty())
      throw Error(ErrorKind::conflict, "request " + text_of(pending[0][0]) +
                                           " for this model and stage is still pending");
    const auto bt_rows = tx.exec_params(
        "SELECT " + kBacktestColumns + " FROM ml.backtest_results WHERE backtest_uuid = $1::uuid",
        req.backtest_id);
    if (bt_rows.empty())
      throw Error(ErrorKind::not_found,
                  "--backtest: backtest '" + req.backtest_id + "' does not exist");
    const models::BacktestSummary bt = backtest_from_row(bt_rows[0]);
    if (bt.model_id != m.model_id)
      throw Error(ErrorKind::invalid_input, "--backtest: backtest " + req.backtest_id +
                                                " is of model '" + bt.model_id + "', not '" +
                                                m.model_id + "'");
    require_backtest_of_registered_actor(tx, req.backtest_id, m);
    models::ProductionFacts facts;
    if (req.stage == models::Stage::production)
      facts = production_facts(tx, m, req.skip_staging_time);
    const models::AutoVote av = models::compute_auto_vote(
        req.stage, bt, thresholds_, m.training_end, facts, reference_for(tx, thresholds_, m));
    std::string decision = "pending";
    if (req.stage == models::Stage::staging) decision = av.passed ? "promoted" : "rejected";
    const auto ins = tx.exec_params(
        "INSERT INTO ml.promotion_requests (model_id, target_stage, backtest_id, reason, "
        "requested_by, "
        "auto_vote_status, auto_vote_details, auto_vote_at, skip_staging_time, final_decision, "
        "promoted_at) "
        "VALUES ($1, $2, $3::uuid, $4, $5, $6, $7::jsonb, now(), $8, $9, CASE WHEN $9 = 'promoted' "
        "THEN now() END) "
        "RETURNING request_id::text",
        m.model_id, models::to_string(req.stage), req.backtest_id, req.reason, requester.name,
        av.passed ? "passed" : "failed", av.details().dump(), req.skip_staging_time, decision);
    const std::string id = text_of(ins[0][0]);
    const std::string corr = requester.request_id.empty() ? id : requester.request_id;
    nlohmann::json details{{"target_stage", models::to_string(req.stage)},
                           {"backtest_id", req.backtest_id},
                           {"auto_vote", av.passed ? "passed" : "failed"},
                           {"gates", av.details()},
                           {"model_id", m.model_id}};
    append_audit(tx, {0,
                      {},
                      requester.name,
                      requester.role,
                      "promotion.request",
                      "promotion_request",
                      id,
                      "",
                      decision,
                      req.reason,
                      details,
                      corr});
    if (req.skip_staging_time) {
      append_audit(tx,
                   {0,
                    {},
                    requester.name,
                    requester.role,
                    "promotion.skip_staging_time",
                    "promotion_request",
                    id,
                    "",
                    "",
                    req.reason,
                    nlohmann::json{{"model_id", m.model_id},
                                   {"days_in_staging", facts.days_in_staging
                                                           ? nlohmann::json(*facts.days_in_staging)
                                                           : nlohmann::json(nullptr)}},
                    corr});
    }
    if (req.stage == models::Stage::staging) {
      const std::string to = av.passed ? "staging" : "rejected";
      tx.exec_params(std::string("UPDATE ml.model_registry SET status = $2") +
                         (av.passed ? ", staged_at = now()" : "") + " WHERE model_id = $1",
                     m.model_id, to);
      append_audit(tx, {0,
                        {},
                        requester.name,
                        requester.role,
                        "model.stage",
                        "model",
                        m.model_id,
                        "registered",
                        to,
                        req.reason,
                        nlohmann::json{{"request_id", id}, {"auto_vote", av.details()}},
                        corr});
    }
    auto out = load_request(tx, id, false);
    tx.commit();
    return out;
  });
}

namespace {
constexpr int kRequestLifetimeDays = 14;

// Spec 12: a pending request older than 14 days is `expired` (audited) instead of being voted.
bool expire_if_stale(pqxx::work& tx, const models::PromotionRequest& q) {
  const auto r = tx.exec_params(
      "UPDATE ml.promotion_requests SET final_decision = 'expired', updated_at = now() WHERE "
      "request_id = $1::uuid AND final_decision = 'pending' AND created_at < now() - "
      "make_interval(days => $2) RETURNING request_id",
      q.request_id, kRequestLifetimeDays);
  if (r.empty()) return false;
  models::AuditEntry e;
  e.actor = "system:scheduler";
  e.role = "system";
  e.action = "promotion.expire";
  e.object_type = "promotion_request";
  e.object_id = q.request_id;
  e.from_state = "pending";
  e.to_state = "expired";
  e.reason = "pending for more than " + std::to_string(kRequestLifetimeDays) + " days";
  e.details = {{"model_id", q.model_id}};
  append_audit(tx, e);
  return true;
}

// Spec 12: the auto vote is recomputed when the manual vote is cast (a production model deployed
// since the request brings the shadow-agreement gate); the fresh result is stored and decides.
bool recompute_auto_vote(pqxx::work& tx, const models::PromotionRequest& q,
                         const models::PromotionThresholds& thresholds) {
  const models::ModelRecord m = load_model(tx, q.model_id, false);
  const auto bt_rows = tx.exec_params(
      "SELECT " + kBacktestColumns + " FROM ml.backtest_results WHERE backtest_uuid = $1::uuid",
      q.backtest_id);
  if (bt_rows.empty())
    throw Error(ErrorKind::not_found, "backtest '" + q.backtest_id + "' no longer exists");
  const models::AutoVote av = models::compute_auto_vote(
      models::Stage::production, backtest_from_row(bt_rows[0]), thresholds, m.training_end,
      production_facts(tx, m, q.skip_staging_time), reference_for(tx, thresholds, m));
  tx.exec_params(
      "UPDATE ml.promotion_requests SET auto_vote_status = $2, auto_vote_details = $3::jsonb, "
      "auto_vote_at = now() WHERE request_id = $1::uuid",
      q.request_id, av.passed ? "passed" : "failed", av.details().dump());
  return av.passed;
}

// Four-eyes beyond the requester (spec 12): neither the principal who registered the model nor
// the one who trained its run (run.json's and the training row's trained_by) may cast the manual
// vote.
void require_independent_voter(pqxx::work& tx, const std::string& model_id,
                               const std::string& voter) {
  const auto reg = tx.exec_params(
      "SELECT actor FROM system.audit_log WHERE action = 'model.register' AND object_type = "
      "'model' AND object_id = $1 ORDER BY id LIMIT 1",
      model_id);
  if (!reg.empty() && reg[0][0].as<std::string>() == voter) {
    throw Error(ErrorKind::conflict, "four-eyes rule: '" + voter + "' registered " + model_id +
                                         " and may not vote on its promotion; another person must");
  }
  // The training's own row (written by `train`) counts too: run.json alone is not hashed.
  const auto trainer = tx.exec_params(
      "SELECT 1 FROM ml.model_registry m LEFT JOIN ml.experiment_runs e ON e.run_id = m.run_id "
      "WHERE m.model_id = $1 AND $2 IN (m.config #>> '{run,trained_by}', e.config ->> "
      "'trained_by')",
      model_id, voter);
  if (!trainer.empty()) {
    throw Error(ErrorKind::conflict, "four-eyes rule: '" + voter + "' trained " + model_id +
                                         " and may not vote on its promotion; another person must");
  }
}
}  // namespace

models::PromotionRequest PgPromotions::vote(const std::string& request_id,
                                            const models::ManualVote& vote,
                                            const std::string& correlation_id) {
  if (!looks_like_uuid(request_id))
    throw Error(ErrorKind::invalid_input, "REQUEST: '" + request_id + "' is not a UUID");
  return guard_connection("recording a vote", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "promotion_vote");
    models::PromotionRequest q = load_request(tx, request_id, true);
    if (q.target_stage != "production")
      throw Error(ErrorKind::conflict,
                  "request " + request_id + " is a staging request, decided by the auto vote");
    if (q.final_decision != "pending")
      throw Error(ErrorKind::conflict,
                  "request " + request_id + " was already decided (" + q.final_decision + ")");
    require_independent_voter(tx, q.model_id, vote.voter);
    if (expire_if_stale(tx, q)) {
      tx.commit();
      throw Error(ErrorKind::conflict, "request " + request_id + " is older than " +
                                           std::to_string(kRequestLifetimeDays) +
                                           " days and has expired; request again");
    }
    const bool auto_passed = recompute_auto_vote(tx, q, thresholds_);
    const models::FinalDecision decision =
        models::decide_production(q.requested_by, auto_passed, vote);
    const bool promotes = decision == models::FinalDecision::promoted ||
                          decision == models::FinalDecision::override_promoted;
    const std::string corr = correlation_id.empty() ? request_id : correlation_id;
    const std::string role = models::to_string(vote.role);
    if (promotes) {
      lock_model_change(tx);
      const models::ModelRecord m = load_model(tx, q.model_id, true);
      if (m.status != models::ModelStatus::staging) {
        throw Error(ErrorKind::conflict,
                    "model '" + m.model_id + "' is " + models::to_string(m.status) +
                        " now; only a staging model can be promoted to production");
      }
      models::verify_registered_artifacts(m.artifact_uri, m.model_hash, m.norm_stats_hash);
    }
    tx.exec_params(
        "UPDATE ml.promotion_requests SET manual_vote_status = $2, manual_vote_by = $3, "
        "manual_vote_role = $4, "
        "manual_vote_at = now(), manual_vote_comment = $5, checklist_backtest_reviewed = $6, "
        "checklist_metrics_acceptable = $7, checklist_team_notified = $8, final_decision = $9, "
        "updated_at = now(), "
        "promoted_at = CASE WHEN $10 THEN now() END WHERE request_id = $1::uuid",
        request_id, vote.approve ? "approved" : "rejected", vote.voter, role, vote.comment,
        vote.backtest_reviewed, vote.metrics_acceptable, vote.team_notified,
        models::to_string(decision), promotes);
    const bool override_vote = decision == models::FinalDecision::override_promoted;
    nlohmann::json details{{"model_id", q.model_id},
                           {"vote", vote.approve ? "approved" : "rejected"},
                           {"auto_vote", q.auto_vote_status},
                           {"override", override_vote},
                           {"checklist",
                            {{"backtest_reviewed", vote.backtest_reviewed},
                             {"metrics_acceptable", vote.metrics_acceptable},
                             {"team_notified", vote.team_notified}}}};
    if (override_vote) details["failed_gates"] = q.auto_vote_details;
    append_audit(tx, {0,
                      {},
                      vote.voter,
                      role,
                      override_vote ? "promotion.override" : "promotion.vote",
                      "promotion_request",
                      request_id,
                      "pending",
                      models::to_string(decision),
                      vote.comment,
                      details,
                      corr});
    if (promotes) {
      swap_production_model(
          tx, q.model_id,
          {vote.voter, role, vote.comment, corr, "promotion",
           nlohmann::json{{"request_id", request_id}, {"decision", models::to_string(decision)}}});
    }
    if (override_vote) {
      notify(tx, events::Alert{
                     "promotion_override",
                     "P1",
                     "override promotion of " + q.model_id + " to production by " + vote.voter,
                     {{"request_id", request_id}, {"failed_gates", q.auto_vote_details}}});
    }
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
  if (!looks_like_uuid(request_id))
    throw Error(ErrorKind::invalid_input, "REQUEST: '" + request_id + "' is not a UUID");
  return guard_connection("reading a promotion request", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    return load_request(tx, request_id, false);
  });
}

}  // namespace usdcop::store
