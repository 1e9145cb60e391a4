#pragma once
// PostgreSQL implementation of learn::ExperimentRunStore over ml.experiment_runs.
#include <string>
#include <vector>

#include "learn/experiment_run_store.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

class PgExperimentRunStore final : public learn::ExperimentRunStore {
 public:
  explicit PgExperimentRunStore(ConnectionPool& pool) : pool_(pool) {}
  void record(const learn::ExperimentRunRecord& run) override;
  std::optional<learn::ExperimentRunRecord> find(const std::string& run_id) const override;

  // Training rows left `running` by a process that no longer exists (kill -9, crash, machine
  // loss): no session holds their TrainingLiveness lock. They are marked `interrupted` (and
  // can be resumed from their last periodic checkpoint); returns their run ids.
  std::vector<std::string> mark_stale_runs_interrupted();

 private:
  ConnectionPool& pool_;
};

// Held by `usdcop train` for the whole run: a session-level advisory lock keyed by the run id
// on a leased connection. The server releases it when the process dies, which is how a stale
// `running` row is told from a live one (needs a direct session, not a transaction pooler).
class TrainingLiveness {
 public:
  TrainingLiveness(ConnectionPool& pool, const std::string& run_id);
  ~TrainingLiveness();
  TrainingLiveness(const TrainingLiveness&) = delete;
  TrainingLiveness& operator=(const TrainingLiveness&) = delete;

 private:
  ConnectionPool::Lease lease_;
  std::string run_id_;
};

}  // namespace usdcop::store
