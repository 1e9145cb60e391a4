#pragma once
// backtest::BacktestResultStore over ml.backtest_results (+ trading.risk_events with source
// 'backtest'), with the read-only lookups the backtest needs in ml.model_registry and
// ml.experiment_runs.
#include "backtest/result_store.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

class PgBacktestStore final : public backtest::BacktestResultStore {
 public:
  explicit PgBacktestStore(ConnectionPool& pool) : pool_(pool) {}
  std::string save(const backtest::BacktestRecord& record,
                   const std::vector<trading::RiskEvent>& risk_events) override;
  // Error(invalid_input) when the text is not a UUID.
  std::optional<backtest::StoredBacktest> load(const std::string& backtest_uuid) override;
  std::optional<backtest::RegisteredModel> find_model(const std::string& model_id) override;
  std::vector<std::string> experiment_run_dirs(const std::string& experiment) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace usdcop::store
