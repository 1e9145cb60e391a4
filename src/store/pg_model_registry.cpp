#include "store/pg_model_registry.hpp"

#include <chrono>
#include <pqxx/pqxx>

#include "core/error.hpp"
#include "models/promotion_policy.hpp"
#include "store/pg_copy.hpp"
#include "store/pg_model_swap.hpp"
#include "store/pg_registry_rows.hpp"

namespace usdcop::store {

namespace {

constexpr int kMaxFormerTargets = 5;

const char* null_if_empty(const std::string& s) {
  return s.empty() ? nullptr : s.c_str();
}

std::optional<std::string> opt_date_text(const std::optional<Date>& d) {
  if (!d) return std::nullopt;
  return format_date(*d);
}

std::vector<models::BacktestSummary> load_backtests(pqxx::transaction_base& tx,
                                                    const std::string& model_id) {
  std::vector<models::BacktestSummary> out;
  for (const auto& r : tx.exec_params(
           "SELECT " + kBacktestColumns +
               " FROM ml.backtest_results WHERE model_id = $1 ORDER BY run_at DESC, id DESC",
           model_id)) {
    out.push_back(backtest_from_row(r));
  }
  return out;
}

// The figures shown with a rollback target: the newest out-of-sample test backtest, else
// the newest out-of-sample one, else the newest.
std::optional<models::BacktestSummary> representative(
    const std::vector<models::BacktestSummary>& all) {
  for (const auto& b : all) {
    if (b.out_of_sample && b.period_type == "test") return b;
  }
  for (const auto& b : all) {
    if (b.out_of_sample) return b;
  }
  if (!all.empty()) return all.front();
  return std::nullopt;
}

}  // namespace

models::ModelRecord PgModelRegistry::register_run(const std::filesystem::path& run_dir,
                                                  const Actor& actor) {
  const models::RunDescription run = models::read_run_directory(run_dir);
  return guard_connection("registering a model", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "register_run");
    tx.exec("SELECT pg_advisory_xact_lock(hashtextextended('usdcop.ml.model_version', 0))");
    const auto existing =
        tx.exec_params("SELECT version FROM ml.model_registry WHERE model_id = $1", run.run_id);
    if (!existing.empty()) {
      throw Error(ErrorKind::conflict, "model '" + run.run_id +
                                           "' is already registered (version " +
                                           text_of(existing[0][0]) + ")");
    }
    nlohmann::json metrics = nlohmann::json::object();
    for (const char* k : {"best_validation_sharpe", "timesteps", "wall_time_s", "steps_per_s"}) {
      if (run.run.contains(k)) metrics[k] = run.run[k];
    }
    const std::string seed = run.run.contains("seed") && run.run["seed"].is_number_integer()
                                 ? std::to_string(run.run["seed"].get<long long>())
                                 : std::string();
    tx.exec_params(
        "INSERT INTO ml.experiment_runs (run_id, kind, experiment, status, config, artifact_uri, "
        "dataset_hash, "
        "norm_stats_hash, feature_order_hash, builder_version, seed, metrics, finished_at) "
        "VALUES ($1, 'training', $2, 'completed', $3::jsonb, $4, $5, $6, $7, $8, $9::bigint, "
        "$10::jsonb, now()) "
        "ON CONFLICT (run_id) DO NOTHING",
        run.run_id, run.experiment.empty() ? std::string("unknown") : run.experiment,
        (run.hyperparameters.is_null() ? nlohmann::json::object() : run.hyperparameters).dump(),
        run.directory.string(), null_if_empty(run.dataset_hash), run.norm_stats_hash,
        run.feature_order_hash, run.builder_version, null_if_empty(seed), metrics.dump());
    const int version =
        tx.exec("SELECT coalesce(max(version), 0) + 1 FROM ml.model_registry")[0][0].as<int>();
    const nlohmann::json config{
        {"run", run.run}, {"hyperparameters", run.hyperparameters}, {"dataset", run.dataset}};
    const auto ts = opt_date_text(run.training_start);
    const auto te = opt_date_text(run.training_end);
    tx.exec_params(
        "INSERT INTO ml.model_registry (model_id, version, status, algorithm, config, "
        "artifact_uri, model_hash, "
        "norm_stats_hash, feature_order_hash, dataset_hash, builder_version, training_start, "
        "training_end, run_id) "
        "VALUES ($1, $2, 'registered', $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11::date, "
        "$12::date, $1)",
        run.run_id, version, run.algorithm, config.dump(), run.directory.string(), run.model_hash,
        run.norm_stats_hash, run.feature_order_hash, null_if_empty(run.dataset_hash),
        run.builder_version, ts ? ts->c_str() : nullptr, te ? te->c_str() : nullptr);
    append_audit(tx, {0,
                      {},
                      actor.name,
                      actor.role,
                      "model.register",
                      "model",
                      run.run_id,
                      "",
                      "registered",
                      "registered from " + run.directory.string(),
                      nlohmann::json{{"version", version},
                                     {"model_hash", run.model_hash},
                                     {"norm_stats_hash", run.norm_stats_hash},
                                     {"dataset_hash", run.dataset_hash},
                                     {"builder_version", run.builder_version}},
                      actor.request_id});
    auto record = load_model(tx, run.run_id);
    tx.commit();
    return record;
  });
}

std::vector<models::ModelRecord> PgModelRegistry::list(
    const std::optional<models::ModelStatus>& status) {
  return guard_connection("listing models", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::vector<models::ModelRecord> out;
    const std::string sql = "SELECT " + kModelColumns + " FROM ml.model_registry" +
                            (status ? " WHERE status = $1" : "") + " ORDER BY version DESC";
    const auto rows = status ? tx.exec_params(sql, models::to_string(*status)) : tx.exec(sql);
    for (const auto& r : rows) out.push_back(model_from_row(r));
    return out;
  });
}

models::ModelRecord PgModelRegistry::get(const std::string& model_id) {
  return guard_connection("reading a model", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    return load_model(tx, model_id);
  });
}

std::optional<models::ModelRecord> PgModelRegistry::deployed() {
  // One statement in autocommit (POST /predict asks on every call): one round trip, where a
  // read transaction takes three.
  return guard_connection(
      "reading the deployed model", [&]() -> std::optional<models::ModelRecord> {
        auto conn = pool_.acquire();
        pqxx::nontransaction tx(*conn);
        const auto rows =
            tx.exec("SELECT " + kModelColumns +
                    " FROM ml.model_registry WHERE status = 'deployed' ORDER BY version "
                    "DESC LIMIT 1");
        if (rows.empty()) return std::nullopt;
        return model_from_row(rows[0]);
      });
}

std::vector<models::BacktestSummary> PgModelRegistry::backtests(const std::string& model_id) {
  return guard_connection("reading backtests", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    return load_backtests(tx, model_id);
  });
}

models::BacktestSummary PgModelRegistry::backtest(const std::string& backtest_id) {
  return guard_connection("reading a backtest", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    const auto r = tx.exec_params(
        "SELECT " + kBacktestColumns + " FROM ml.backtest_results WHERE backtest_uuid::text = $1",
        backtest_id);
    if (r.empty())
      throw Error(ErrorKind::not_found, "backtest '" + backtest_id + "' does not exist");
    return backtest_from_row(r[0]);
  });
}

std::vector<RollbackTarget> PgModelRegistry::rollback_targets() {
  return guard_connection("listing rollback targets", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::vector<RollbackTarget> out;
    const auto rows =
        tx.exec("(SELECT " + kModelColumns +
                ", 0 AS ord FROM ml.model_registry WHERE status = 'deployed') UNION ALL (SELECT " +
                kModelColumns +
                ", 1 FROM ml.model_registry WHERE was_production AND status = 'archived' "
                "ORDER BY archived_at DESC NULLS LAST, version DESC LIMIT " +
                std::to_string(kMaxFormerTargets) + ") ORDER BY ord");
    bool recommended = false;
    for (const auto& r : rows) {
      RollbackTarget t;
      t.model = model_from_row(r);
      t.current = t.model.status == models::ModelStatus::deployed;
      if (!t.current && !recommended) t.recommended = recommended = true;
      t.backtest = representative(load_backtests(tx, t.model.model_id));
      out.push_back(std::move(t));
    }
    return out;
  });
}

namespace {

std::optional<models::ModelRecord> first_model(const pqxx::result& rows) {
  if (rows.empty()) return std::nullopt;
  return model_from_row(rows[0]);
}

// The deployed model and the target (the explicit one, row-locked, or the recommended one).
models::RollbackSnapshot rollback_snapshot(pqxx::work& tx, const std::optional<std::string>& target,
                                           const models::Principal& actor,
                                           const std::string& reason) {
  models::RollbackSnapshot s;
  s.target_model_id = target;
  s.reason = reason;
  s.actor = actor;
  s.current = first_model(
      tx.exec("SELECT " + kModelColumns + " FROM ml.model_registry WHERE status = 'deployed'"));
  if (!s.current) return s;  // refused: nothing to roll back from
  if (target) {
    s.target = first_model(tx.exec_params(
        "SELECT " + kModelColumns + " FROM ml.model_registry WHERE model_id = $1 FOR UPDATE",
        *target));
  } else {
    s.target =
        first_model(tx.exec("SELECT " + kModelColumns +
                            " FROM ml.model_registry WHERE was_production AND status = 'archived' "
                            "ORDER BY archived_at DESC NULLS LAST, version DESC LIMIT 1"));
  }
  return s;
}

}  // namespace

models::Principal principal_of(const Actor& actor) {
  const models::Role role =
      actor.role == "system" ? models::Role::system : models::parse_role(actor.role);
  return {actor.name, role, actor.request_id};
}

RollbackResult PgModelRegistry::rollback(const std::optional<std::string>& target,
                                         const std::string& reason, const Actor& actor,
                                         const std::optional<std::string>& running_builder) {
  const auto started = std::chrono::steady_clock::now();
  const models::Principal who = principal_of(actor);
  if (auto refusal = models::check_rollback_ask(reason, who)) throw *refusal;
  return guard_connection("rolling back the production model", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "rollback");
    lock_model_change(tx);
    models::RollbackSnapshot snapshot = rollback_snapshot(tx, target, who, reason);
    snapshot.running_builder_version = running_builder;
    const models::RollbackPlan plan = models::plan_rollback(snapshot).value();
    const models::ModelRecord& next = plan.target;
    models::verify_registered_artifacts(next.artifact_uri, next.model_hash, next.norm_stats_hash);
    const std::string previous = swap_production_model(tx, next.model_id, plan.swap);
    tx.commit();
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    return RollbackResult{previous, next.model_id, ms};
  });
}

models::ShadowStats PgModelRegistry::shadow_stats(const std::string& model_id,
                                                  const std::optional<Timestamp>& since) {
  return guard_connection("computing shadow agreement", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    const int64_t from = since ? to_micros(*since) : to_pg_micros(Timestamp::min());
    const std::string t0 = sql_time_from_micros("$2::bigint");
    const auto pair = tx.exec_params(
        "SELECT count(*), count(*) FILTER (WHERE s.signal = p.signal) FROM "
        "trading.model_inferences s "
        "JOIN trading.model_inferences p ON p.time = s.time AND p.role = 'production' AND "
        "p.model_id <> s.model_id "
        "AND p.error IS NULL WHERE s.model_id = $1 AND s.role = 'shadow' AND s.error IS NULL AND "
        "s.time >= " +
            t0,
        model_id, from);
    const auto own = tx.exec_params(
        "SELECT count(*), count(*) FILTER (WHERE error IS NOT NULL) FROM trading.model_inferences "
        "WHERE model_id = $1 AND time >= " +
            t0,
        model_id, from);
    return models::ShadowStats{pair[0][0].as<long>(), pair[0][1].as<long>(), own[0][0].as<long>(),
                               own[0][1].as<long>()};
  });
}

std::vector<models::AuditEntry> PgModelRegistry::history(const std::string& model_id) {
  return guard_connection("reading the audit history", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::vector<models::AuditEntry> out;
    // The model's own rows and those of its promotion requests.
    for (const auto& r : tx.exec_params(
             "SELECT " + kAuditColumns +
                 " FROM system.audit_log WHERE (object_type = 'model' AND object_id = $1) OR "
                 "(object_type = 'promotion_request' AND object_id IN "
                 "(SELECT request_id::text FROM ml.promotion_requests WHERE model_id = $1)) ORDER "
                 "BY id",
             model_id)) {
      out.push_back(audit_from_row(r));
    }
    return out;
  });
}

models::ModelCardData PgModelRegistry::card_data(const std::string& model_id) {
  models::ModelCardData d;
  d.model = get(model_id);
  d.backtests = backtests(model_id);
  d.history = history(model_id);
  d.shadow = shadow_stats(model_id, d.model.staged_at);
  d.generated_at = now_utc();
  guard_connection("reading promotion requests", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    for (const auto& r : tx.exec_params(
             "SELECT " + kRequestColumns +
                 " FROM ml.promotion_requests WHERE model_id = $1 ORDER BY created_at DESC",
             model_id)) {
      d.requests.push_back(request_from_row(r));
    }
  });
  return d;
}

}  // namespace usdcop::store
