#pragma once
// PostgreSQL implementation of learn::ExperimentRunStore over ml.experiment_runs.
#include "learn/experiment_run_store.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

class PgExperimentRunStore final : public learn::ExperimentRunStore {
 public:
  explicit PgExperimentRunStore(ConnectionPool& pool) : pool_(pool) {}
  void record(const learn::ExperimentRunRecord& run) override;
  std::optional<learn::ExperimentRunRecord> find(const std::string& run_id) const override;

 private:
  ConnectionPool& pool_;
};

}  // namespace usdcop::store
