#pragma once
// Persistence ports of the backtest (implemented by store::PgBacktestStore): the result row
// of ml.backtest_results, the read-only model lookup it needs (ml.model_registry) and the
// sibling runs of an experiment (ml.experiment_runs) for multi-seed evaluation.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "trading/risk_manager.hpp"

namespace usdcop::backtest {

struct BacktestRecord {
  std::string model_id;
  std::string model_version;
  std::string model_sha256;  // sha256 of the actor.bin that ran (the registered model_hash)
  Date start_date{}, end_date{};
  std::string period_type = "custom";  // validation | test | custom
  bool is_out_of_sample = false;
  nlohmann::json metrics;  // to_json(Metrics) without daily returns
  nlohmann::json trades, equity_curve, daily_returns, config;
  std::string signature;
  std::string run_source = "cli";
  std::string created_by;
};

struct StoredTrades {
  std::string backtest_uuid;
  std::string model_id;
  nlohmann::json trades;  // as read back from jsonb
  std::string signature;  // as stored
};

struct RegisteredModel {
  std::string model_id;
  int version = 0;
  std::string status;
  std::string artifact_uri;
  std::string model_hash;
  std::optional<Date> training_start, training_end;
  std::string run_id;
};

class BacktestResultStore {
 public:
  virtual ~BacktestResultStore() = default;
  // Inserts the row (and its risk events, source 'backtest'); returns the backtest_uuid.
  virtual std::string save(const BacktestRecord& record,
                           const std::vector<trading::RiskEvent>& risk_events) = 0;
  virtual std::optional<StoredTrades> load_trades(const std::string& backtest_uuid) = 0;
  virtual std::optional<RegisteredModel> find_model(const std::string& model_id) = 0;
  // artifact_uri of completed training runs of an experiment, oldest first.
  virtual std::vector<std::string> experiment_run_dirs(const std::string& experiment) = 0;
};

// A model's training split overlaps [from, to] (dates, inclusive): not out of sample.
// Unknown split bounds count as overlapping (fail closed).
bool is_out_of_sample(Date from, Date to, std::optional<Date> training_start,
                      std::optional<Date> training_end);

}  // namespace usdcop::backtest
