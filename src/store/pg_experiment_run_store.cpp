#include "store/pg_experiment_run_store.hpp"

#include <pqxx/pqxx>

#include "store/pg_copy.hpp"

namespace usdcop::store {
namespace {

// Two-key advisory lock: a fixed class for training runs, the run id's hash.
std::string liveness_key(pqxx::transaction_base& tx, const std::string& run_id) {
  return "hashtext('usdcop.training'), hashtext(" + tx.quote(run_id) + ")";
}

}  // namespace

void PgExperimentRunStore::record(const learn::ExperimentRunRecord& r) {
  guard_connection("recording an experiment run", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn);
    tx.exec_params(
        "INSERT INTO ml.experiment_runs (run_id, kind, experiment, parent_run_id, status, config, "
        "artifact_uri, dataset_hash, norm_stats_hash, feature_order_hash, builder_version, seed, "
        "metrics, "
        "finished_at) VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6::jsonb, NULLIF($7, ''), "
        "NULLIF($8, ''), NULLIF($9, ''), "
        "NULLIF($10, ''), NULLIF($11, ''), NULLIF($12, '')::bigint, $13::jsonb, CASE WHEN "
        "$14::boolean THEN now() END) "
        "ON CONFLICT (run_id) DO UPDATE SET status = EXCLUDED.status, config = EXCLUDED.config, "
        "artifact_uri = EXCLUDED.artifact_uri, dataset_hash = EXCLUDED.dataset_hash, "
        "norm_stats_hash = EXCLUDED.norm_stats_hash, feature_order_hash = "
        "EXCLUDED.feature_order_hash, "
        "builder_version = EXCLUDED.builder_version, seed = EXCLUDED.seed, metrics = "
        "EXCLUDED.metrics, "
        "finished_at = EXCLUDED.finished_at",
        r.run_id, r.kind, r.experiment, r.parent_run_id.value_or(""), r.status, r.config.dump(),
        r.artifact_uri, r.dataset_hash, r.norm_stats_hash, r.feature_order_hash, r.builder_version,
        r.seed ? std::to_string(*r.seed) : std::string(), r.metrics.dump(), r.finished);
    tx.commit();
  });
}

std::optional<learn::ExperimentRunRecord> PgExperimentRunStore::find(
    const std::string& run_id) const {
  return guard_connection(
      "reading an experiment run", [&]() -> std::optional<learn::ExperimentRunRecord> {
        auto conn = pool_.acquire();
        pqxx::read_transaction tx(*conn);
        const auto res = tx.exec_params(
            "SELECT run_id, kind, experiment, parent_run_id, status, config::text, "
            "coalesce(artifact_uri, ''), "
            "coalesce(dataset_hash, ''), coalesce(norm_stats_hash, ''), "
            "coalesce(feature_order_hash, ''), "
            "coalesce(builder_version, ''), seed, metrics::text, finished_at IS NOT NULL "
            "FROM ml.experiment_runs WHERE run_id = $1",
            run_id);
        if (res.empty()) return std::nullopt;
        const auto row = res[0];
        learn::ExperimentRunRecord r;
        r.run_id = row[0].c_str();
        r.kind = row[1].c_str();
        r.experiment = row[2].c_str();
        if (!row[3].is_null()) r.parent_run_id = row[3].c_str();
        r.status = row[4].c_str();
        r.config = nlohmann::json::parse(row[5].c_str());
        r.artifact_uri = row[6].c_str();
        r.dataset_hash = row[7].c_str();
        r.norm_stats_hash = row[8].c_str();
        r.feature_order_hash = row[9].c_str();
        r.builder_version = row[10].c_str();
        if (!row[11].is_null()) r.seed = row[11].as<std::int64_t>();
        r.metrics = nlohmann::json::parse(row[12].c_str());
        r.finished = row[13].as<bool>();
        return r;
      });
}

std::vector<std::string> PgExperimentRunStore::mark_stale_runs_interrupted() {
  return guard_connection("checking running training runs", [&] {
    std::vector<std::string> stale;
    auto conn = pool_.acquire();
    pqxx::nontransaction tx(*conn);
    const auto running = tx.exec(
        "SELECT run_id FROM ml.experiment_runs WHERE kind = 'training' AND status = 'running'");
    for (const auto& row : running) {
      const std::string id = row[0].c_str();
      const std::string key = liveness_key(tx, id);
      if (!tx.exec1("SELECT pg_try_advisory_lock(" + key + ")")[0].as<bool>()) continue;
      tx.exec_params(
          "UPDATE ml.experiment_runs SET status = 'interrupted', finished_at = now() "
          "WHERE run_id = $1 AND status = 'running'",
          id);
      tx.exec("SELECT pg_advisory_unlock(" + key + ")");
      stale.push_back(id);
    }
    return stale;
  });
}

TrainingLiveness::TrainingLiveness(ConnectionPool& pool, const std::string& run_id)
    : run_id_(run_id) {
  guard_connection("locking the training run", [&] {
    lease_ = pool.acquire();
    pqxx::nontransaction tx(*lease_);
    if (!tx.exec1("SELECT pg_try_advisory_lock(" + liveness_key(tx, run_id) + ")")[0].as<bool>()) {
      lease_ = {};
      throw Error(ErrorKind::conflict,
                  "training run " + run_id + " is being trained by another process");
    }
  });
}

TrainingLiveness::~TrainingLiveness() {
  if (!lease_) return;
  try {
    pqxx::nontransaction tx(*lease_);
    tx.exec("SELECT pg_advisory_unlock(" + liveness_key(tx, run_id_) + ")");
  } catch (...) {
    lease_.discard();  // closing the session releases the lock anyway
  }
}

}  // namespace usdcop::store
