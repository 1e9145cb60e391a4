#pragma once
// Backtest (spec 04): replay stored bars and feature rows through the trading stack for one
// model (a registered MODEL_ID or a bare run directory), sign the result (v2: inputs and the
// whole result) and store it for a registered model; and check a stored result's signature.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "app/progress.hpp"
#include "backtest/backtest_runner.hpp"
#include "backtest/result_store.hpp"

namespace usdcop::app {

class Services;

struct BacktestRequest {
  std::string model;                   // MODEL_ID (registered) or RUN_DIR
  std::optional<Timestamp> from, to;   // exact bounds; without both: the period's split
  std::string period_type = "custom";  // validation | test | custom (custom needs from and to)
  std::optional<double> cost_bps;      // default: the trading policy in force
  std::filesystem::path report_dir;    // report.json, trades.csv, equity.csv, report.html
  std::string created_by;              // ml.backtest_results.created_by
  std::string run_source = "cli";      // ml.backtest_results.run_source: cli | api
};

struct BacktestOutcome {
  backtest::BacktestResult result;
  // model, version, run id, hash, dates, bar range, period, out-of-sample, signature, config,
  // and backtest_uuid when stored: the document the report embeds.
  nlohmann::json run;
  bool stored = false;  // only a registered model's backtests are stored
  std::string backtest_uuid;
};
BacktestOutcome run_backtest(Services& services, const BacktestRequest& request,
                             ReplayObserver* observer);

// Error(not_found) for an unknown uuid.
backtest::StoredBacktest load_backtest(Services& services, const std::string& uuid);

struct BacktestVerification {
  backtest::StoredBacktest stored;
  std::string recomputed_signature;
  bool valid = false;
};
BacktestVerification verify_backtest(Services& services, const std::string& uuid);

}  // namespace usdcop::app
