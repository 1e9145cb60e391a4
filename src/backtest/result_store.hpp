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
  Date start_date{}, end_date{};
  std::string period_type = "custom";  // validation | test | custom
  bool is_out_of_sample = false;
  nlohmann::json metrics;  // to_json(Metrics) without daily returns
  nlohmann::json trades, equity_curve, daily_returns, config;
  // The inputs a v2 signature covers (config above is inputs.config).
  std::string model_hash, builder_version, feature_order_hash;
  nlohmann::json bar_range;  // {"from", "to", "first_bar", "last_bar", "bars"}
  int signature_version = 2;
  std::string signature;
  std::string run_source = "cli";
  std::string created_by;
};

// A stored row as read back from jsonb (what `backtest show` prints and `verify` recomputes).
struct StoredBacktest {
  std::string backtest_uuid;
  BacktestRecord record;
  std::string run_at;  // RFC 3339
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
  virtual std::optional<StoredBacktest> load(const std::string& backtest_uuid) = 0;
  virtual std::optional<RegisteredModel> find_model(const std::string& model_id) = 0;
  // artifact_uri of completed training runs of an experiment, oldest first.
  virtual std::vector<std::string> experiment_run_dirs(const std::string& experiment) = 0;
};

// A model's training split overlaps [from, to] (dates, inclusive): not out of sample.
// Unknown split bounds count as overlapping (fail closed).
bool is_out_of_sample(Date from, Date to, std::optional<Date> training_start,
                      std::optional<Date> training_end);

}  // namespace usdcop::backtest

namespace usdcop::backtest {

// The signature a record should carry, by its own signature_version (1: trades only; 2: the
// signed document of signature.hpp). Error(invalid_input) for an unknown version.
std::string recompute_signature(const BacktestRecord& record);

}  // namespace usdcop::backtest
