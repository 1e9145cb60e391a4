// PgModelRegistry::lineage (spec 05): bars/macro range -> feature builder -> dataset -> run ->
// model hashes -> backtests -> promotion requests -> deployments -> inferences and trades.
#include <pqxx/pqxx>

#include "store/pg_copy.hpp"
#include "store/pg_model_registry.hpp"
#include "store/pg_registry_rows.hpp"

namespace usdcop::store {

namespace {
nlohmann::json opt_date_json(const std::optional<Date>& d) {
  return d ? nlohmann::json(format_date(*d)) : nlohmann::json(nullptr);
}

// The training run's row of ml.experiment_runs.
nlohmann::json lineage_run(pqxx::transaction_base& tx, const models::ModelRecord& m) {
  nlohmann::json run{
      {"run_id", m.run_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.run_id)}};
  if (!m.run_id.empty()) {
    const auto r = tx.exec_params(
        "SELECT experiment, status, seed, metrics::text, artifact_uri, parent_run_id, " +
            sql_micros_of("started_at") + ", " + sql_micros_of("finished_at") +
            " FROM ml.experiment_runs WHERE run_id = $1",
        m.run_id);
    if (!r.empty()) {
      run["experiment"] = text_of(r[0][0]);
      run["status"] = text_of(r[0][1]);
      run["seed"] =
          r[0][2].is_null() ? nlohmann::json(nullptr) : nlohmann::json(r[0][2].as<long long>());
      run["metrics"] = nlohmann::json::parse(r[0][3].c_str());
      run["artifact_uri"] = text_of(r[0][4]);
      run["dataset_run_id"] =
          r[0][5].is_null() ? nlohmann::json(nullptr) : nlohmann::json(text_of(r[0][5]));
      run["started_at"] = format_rfc3339(from_micros(r[0][6].as<int64_t>()));
      if (!r[0][7].is_null())
        run["finished_at"] = format_rfc3339(from_micros(r[0][7].as<int64_t>()));
    }
  }
  return run;
}

// The promotion requests of the model, oldest first.
nlohmann::json lineage_requests(pqxx::transaction_base& tx, const std::string& model_id) {
  nlohmann::json requests = nlohmann::json::array();
  for (const auto& r :
       tx.exec_params("SELECT " + kRequestColumns +
                          " FROM ml.promotion_requests WHERE model_id = $1 ORDER BY created_at",
                      model_id)) {
    const auto q = request_from_row(r);
    requests.push_back({{"request_id", q.request_id},
                        {"target_stage", q.target_stage},
                        {"backtest_id", q.backtest_id},
                        {"requested_by", q.requested_by},
                        {"auto_vote_status", q.auto_vote_status},
                        {"manual_vote_status", q.manual_vote_status},
                        {"manual_vote_by", q.manual_vote_by},
                        {"final_decision", q.final_decision},
                        {"created_at", format_rfc3339(q.created_at)}});
  }
  return requests;
}

// The audited transitions into and out of production.
nlohmann::json lineage_deployments(pqxx::transaction_base& tx, const std::string& model_id) {
  nlohmann::json deployments = nlohmann::json::array();
  for (const auto& r :
       tx.exec_params("SELECT " + kAuditColumns +
                          " FROM system.audit_log WHERE object_type = 'model' AND object_id = $1 "
                          "AND (to_state = 'deployed' OR from_state = 'deployed') ORDER BY id",
                      model_id)) {
    const auto e = audit_from_row(r);
    deployments.push_back({{"at", format_rfc3339(e.at)},
                           {"action", e.action},
                           {"from_state", e.from_state},
                           {"to_state", e.to_state},
                           {"actor", e.actor},
                           {"reason", e.reason}});
  }
  return deployments;
}
}  // namespace

nlohmann::json PgModelRegistry::lineage(const std::string& model_id) {
  const models::ModelRecord m = get(model_id);
  return guard_connection("reading the lineage", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    const nlohmann::json run_json = m.config.value("run", nlohmann::json::object());
    nlohmann::json data{
        {"training_start", opt_date_json(m.training_start)},
        {"training_end", opt_date_json(m.training_end)},
        {"validation_start", run_json.value("validation_start", nlohmann::json(nullptr))},
        {"validation_end", run_json.value("validation_end", nlohmann::json(nullptr))},
        {"dataset", m.config.value("dataset", nlohmann::json(nullptr))}};
    const nlohmann::json run = lineage_run(tx, m);
    nlohmann::json backtests = nlohmann::json::array();
    for (const auto& r :
         tx.exec_params("SELECT " + kBacktestColumns +
                            " FROM ml.backtest_results WHERE model_id = $1 ORDER BY run_at, id",
                        model_id)) {
      backtests.push_back(models::to_json(backtest_from_row(r)));
    }
    const nlohmann::json requests = lineage_requests(tx, model_id);
    const nlohmann::json deployments = lineage_deployments(tx, model_id);
    const auto inf = tx.exec_params(
        "SELECT count(*), count(*) FILTER (WHERE role = 'production'), count(DISTINCT trade_id), "
        "min(time)::text, max(time)::text FROM trading.model_inferences WHERE model_id = $1",
        model_id);
    return nlohmann::json{
        {"model_id", m.model_id},
        {"data", data},
        {"feature_builder",
         {{"builder_version", m.builder_version}, {"feature_order_hash", m.feature_order_hash}}},
        {"dataset",
         {{"dataset_hash",
           m.dataset_hash.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.dataset_hash)}}},
        {"run", run},
        {"model",
         {{"version", m.version},
          {"status", models::to_string(m.status)},
          {"model_hash", m.model_hash},
          {"norm_stats_hash", m.norm_stats_hash},
          {"artifact_uri", m.artifact_uri}}},
        {"backtests", backtests},
        {"promotion_requests", requests},
        {"deployments", deployments},
        {"inferences",
         {{"total", inf[0][0].as<long>()},
          {"production", inf[0][1].as<long>()},
          {"trades", inf[0][2].as<long>()},
          {"first",
           inf[0][3].is_null() ? nlohmann::json(nullptr) : nlohmann::json(text_of(inf[0][3]))},
          {"last",
           inf[0][4].is_null() ? nlohmann::json(nullptr) : nlohmann::json(text_of(inf[0][4]))}}}};
  });
}

}  // namespace usdcop::store
