#pragma once
// The vocabulary of the model registry (spec 05): stages, roles, a registered model and the
// backtest figures the promotion gates read.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/time.hpp"

namespace usdcop::models {

enum class ModelStatus { registered, staging, deployed, archived, rejected };
const char* to_string(ModelStatus s);
ModelStatus parse_model_status(const std::string& text);  // throws Error(invalid_input)

// Who may do what: viewer < operator < admin. "system" is the automatic monitor; it may roll
// back but never vote.
enum class Role { viewer, operator_, admin, system };
const char* to_string(Role r);
Role parse_role(const std::string& text);  // throws Error(invalid_input)
bool at_least(Role have, Role need);       // system counts as operator

enum class Stage { staging, production };
const char* to_string(Stage s);
Stage parse_stage(const std::string& text);

struct ModelRecord {
  std::string model_id;
  int version = 0;
  ModelStatus status = ModelStatus::registered;
  std::string algorithm;
  nlohmann::json config;  // {"run": run.json, "hyperparameters": config.yaml as JSON}
  std::string artifact_uri;
  std::string model_hash, norm_stats_hash, feature_order_hash, dataset_hash;
  std::string builder_version;
  std::optional<Date> training_start, training_end;
  std::string run_id;
  Timestamp created_at{};
  std::optional<Timestamp> staged_at, deployed_at, archived_at;
  bool was_production = false;
};
nlohmann::json to_json(const ModelRecord& m);

// The stored backtest (ml.backtest_results) as the gates see it.
struct BacktestSummary {
  std::string backtest_id;  // uuid
  std::string model_id;
  Date start_date{}, end_date{};
  std::string period_type;
  bool out_of_sample = false;
  std::optional<double> sharpe_ratio, win_rate, max_drawdown_pct, profit_factor, total_return_pct,
      sortino_ratio;
  std::optional<long> total_trades;
  Timestamp run_at{};
  nlohmann::json config = nlohmann::json::object();  // what it ran with (trading, risk, ...)
};
nlohmann::json to_json(const BacktestSummary& b);

}  // namespace usdcop::models
