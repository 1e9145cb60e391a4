#include "store/pg_registry_rows.hpp"

#include "store/audit_chain.hpp"

#include "core/error.hpp"
#include "store/pg_copy.hpp"

namespace usdcop::store {

namespace {

std::optional<Timestamp> opt_time(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return from_micros(f.as<int64_t>());
}
std::optional<Date> opt_date(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return parse_date(f.c_str());
}
template <class T>
std::optional<T> opt(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<T>();
}
nlohmann::json json_of(const pqxx::field& f) {
  if (f.is_null()) return nlohmann::json::object();
  return nlohmann::json::parse(f.c_str());
}
std::string m(const char* col) {
  return sql_micros_of(col);
}

}  // namespace

std::string text_of(const pqxx::field& f) {
  return f.is_null() ? std::string() : std::string(f.c_str(), f.size());
}

const std::string kModelColumns =
    "model_id, version, status, algorithm, config::text, artifact_uri, model_hash, "
    "norm_stats_hash, "
    "feature_order_hash, dataset_hash, builder_version, training_start::text, training_end::text, "
    "run_id, " +
    m("created_at") + ", " + m("staged_at") + ", " + m("deployed_at") + ", " + m("archived_at") +
    ", was_production";

const std::string kBacktestColumns =
    "backtest_uuid::text, model_id, start_date::text, end_date::text, period_type, "
    "is_out_of_sample, sharpe_ratio, "
    "win_rate, max_drawdown_pct, profit_factor, total_return_pct, sortino_ratio, total_trades, " +
    m("run_at") + ", config";

const std::string kRequestColumns =
    "request_id::text, model_id, target_stage, backtest_id::text, reason, requested_by, "
    "auto_vote_status, "
    "auto_vote_details::text, " +
    m("auto_vote_at") +
    ", manual_vote_status, manual_vote_by, manual_vote_role, manual_vote_comment, " +
    m("manual_vote_at") +
    ", checklist_backtest_reviewed, checklist_metrics_acceptable, checklist_team_notified, "
    "skip_staging_time, "
    "final_decision, " +
    m("created_at") + ", " + m("updated_at") + ", " + m("promoted_at");

const std::string kAuditColumns =
    "id, " + m("at") +
    ", actor, role, action, object_type, object_id, from_state, to_state, reason, "
    "details::text, request_id";

models::ModelRecord model_from_row(const pqxx::row& r) {
  models::ModelRecord x;
  x.model_id = text_of(r[0]);
  x.version = r[1].as<int>();
  x.status = models::parse_model_status(text_of(r[2]));
  x.algorithm = text_of(r[3]);
  x.config = json_of(r[4]);
  x.artifact_uri = text_of(r[5]);
  x.model_hash = text_of(r[6]);
  x.norm_stats_hash = text_of(r[7]);
  x.feature_order_hash = text_of(r[8]);
  x.dataset_hash = text_of(r[9]);
  x.builder_version = text_of(r[10]);
  x.training_start = opt_date(r[11]);
  x.training_end = opt_date(r[12]);
  x.run_id = text_of(r[13]);
  x.created_at = from_micros(r[14].as<int64_t>());
  x.staged_at = opt_time(r[15]);
  x.deployed_at = opt_time(r[16]);
  x.archived_at = opt_time(r[17]);
  x.was_production = r[18].as<bool>();
  return x;
}

models::BacktestSummary backtest_from_row(const pqxx::row& r) {
  models::BacktestSummary b;
  b.backtest_id = text_of(r[0]);
  b.model_id = text_of(r[1]);
  b.start_date = *parse_date(r[2].c_str());
  b.end_date = *parse_date(r[3].c_str());
  b.period_type = text_of(r[4]);
  b.out_of_sample = r[5].as<bool>();
  b.sharpe_ratio = opt<double>(r[6]);
  b.win_rate = opt<double>(r[7]);
  b.max_drawdown_pct = opt<double>(r[8]);
  b.profit_factor = opt<double>(r[9]);
  b.total_return_pct = opt<double>(r[10]);
  b.sortino_ratio = opt<double>(r[11]);
  b.total_trades = opt<long>(r[12]);
  b.run_at = from_micros(r[13].as<int64_t>());
  b.config = json_of(r[14]);
  return b;
}

models::PromotionRequest request_from_row(const pqxx::row& r) {
  models::PromotionRequest q;
  q.request_id = text_of(r[0]);
  q.model_id = text_of(r[1]);
  q.target_stage = text_of(r[2]);
  q.backtest_id = text_of(r[3]);
  q.reason = text_of(r[4]);
  q.requested_by = text_of(r[5]);
  q.auto_vote_status = text_of(r[6]);
  q.auto_vote_details = json_of(r[7]);
  q.auto_vote_at = opt_time(r[8]);
  q.manual_vote_status = text_of(r[9]);
  q.manual_vote_by = text_of(r[10]);
  q.manual_vote_role = text_of(r[11]);
  q.manual_vote_comment = text_of(r[12]);
  q.manual_vote_at = opt_time(r[13]);
  q.checklist_backtest_reviewed = r[14].as<bool>();
  q.checklist_metrics_acceptable = r[15].as<bool>();
  q.checklist_team_notified = r[16].as<bool>();
  q.skip_staging_time = r[17].as<bool>();
  q.final_decision = text_of(r[18]);
  q.created_at = from_micros(r[19].as<int64_t>());
  q.updated_at = from_micros(r[20].as<int64_t>());
  q.promoted_at = opt_time(r[21]);
  return q;
}

models::AuditEntry audit_from_row(const pqxx::row& r) {
  models::AuditEntry e;
  e.id = r[0].as<long>();
  e.at = from_micros(r[1].as<int64_t>());
  e.actor = text_of(r[2]);
  e.role = text_of(r[3]);
  e.action = text_of(r[4]);
  e.object_type = text_of(r[5]);
  e.object_id = text_of(r[6]);
  e.from_state = text_of(r[7]);
  e.to_state = text_of(r[8]);
  e.reason = text_of(r[9]);
  e.details = json_of(r[10]);
  e.request_id = text_of(r[11]);
  return e;
}

void append_audit(pqxx::transaction_base& tx, const models::AuditEntry& entry) {
  auto null_if_empty = [](const std::string& s) -> const char* {
    return s.empty() ? nullptr : s.c_str();
  };
  models::AuditEntry e = entry;
  if (e.details.is_null()) e.details = nlohmann::json::object();
  const ChainSlot slot = next_audit_slot(tx);
  e.id = slot.id;
  e.at = slot.at;
  const std::string row_hash = audit_row_hash(e, slot.prev_hash);
  tx.exec_params(
      "INSERT INTO system.audit_log (id, at, actor, role, action, object_type, object_id, "
      "from_state, to_state, reason, details, request_id, prev_hash, row_hash) VALUES ($1, now(), "
      "$2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13)",
      e.id, e.actor, null_if_empty(e.role), e.action, null_if_empty(e.object_type),
      null_if_empty(e.object_id), null_if_empty(e.from_state), null_if_empty(e.to_state),
      null_if_empty(e.reason), canonical_json(e.details), null_if_empty(e.request_id),
      slot.prev_hash, row_hash);
}

models::ModelRecord load_model(pqxx::transaction_base& tx, const std::string& model_id,
                               bool for_update) {
  const auto r =
      tx.exec_params("SELECT " + kModelColumns + " FROM ml.model_registry WHERE model_id = $1" +
                         (for_update ? " FOR UPDATE" : ""),
                     model_id);
  if (r.empty())
    throw Error(ErrorKind::not_found, "model '" + model_id + "' is not registered", "model_id");
  return model_from_row(r[0]);
}

}  // namespace usdcop::store
