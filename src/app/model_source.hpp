#pragma once
// What `usdcop backtest` and `usdcop evaluate` evaluate: a registered model (MODEL_ID, whose
// artifact_uri in ml.model_registry is a run directory) or a bare run directory. Either way
// the directory is verified (every artifact hash) before its policy is loaded.
#include <optional>
#include <string>
#include <vector>

#include "backtest/result_store.hpp"
#include "features/decision_blocks.hpp"
#include "features/feature_row.hpp"
#include "market/bar.hpp"
#include "trading/price_collar.hpp"
#include "trading/run_artifacts.hpp"
#include "trading/trading_config.hpp"

namespace usdcop::app {

class Services;

struct ModelSource {
  trading::PolicyBundle bundle;
  std::string model_id;       // registry id, or the run id for a bare directory
  std::string model_version;  // registry version ("" for a bare directory)
  bool registered = false;
  std::optional<Date> training_start, training_end;  // registry first, else run.json
};

// A directory path is a run directory; anything else is a model id looked up in `store`
// (which may be null when no database is open: then only directories work).
ModelSource resolve_model(const std::string& arg, backtest::BacktestResultStore* store);

// config/trading.yaml, with the signal thresholds the model was trained with (environment.
// thresholds in the run's config.yaml) when the run records them: a model is evaluated with the
// same action-to-position mapping it learned, whatever the desk default is.
trading::TradingConfig trading_config_for(const ModelSource& model);
// The same on another base configuration (the trading profile in force).
trading::TradingConfig trading_config_for(const ModelSource& model, trading::TradingConfig base);
// The one reading of a run's trained thresholds (environment.thresholds of its config.yaml)
// over `base`, for backtest, evaluation and the API's /predict; `base` when the run has no
// config.yaml. Error(invalid_input) naming the file when it cannot be read.
trading::SignalThresholds trained_thresholds(const trading::RunArtifacts& run,
                                             trading::SignalThresholds base);

// The risk profile and trading configuration a backtest or evaluation of `model` runs with
// (spec 12): for a registered model the database's active risk and trading policies (the YAML
// files are only seeds); for a bare run directory config/risk.yaml and trading.yaml, as
// training's validation replay reads them. Either way with the model's trained thresholds.
// `policies` says where each came from: {risk: {source, version, sha256, risk_profile_sha256},
// trading: {source, version, sha256}} (recorded in the backtest's config).
struct ProfilesInForce {
  trading::TradingConfig trading;
  trading::RiskProfile risk;
  nlohmann::json policies;
};
ProfilesInForce profiles_for(Services& services, const ModelSource& model);

// The position rules of the run's config.yaml (environment.min_hold_bars and
// environment.flat_at_session_end; absent keys: 0 and false): the backtest trades under the
// rules the model was trained with.
trading::PositionRuleConfig position_rules_for(const ModelSource& model);

// A split name of run.json: "val"/"validation" -> validation_*, "test" -> test_*, "train".
// Error(invalid_input) naming the field when run.json lacks it.
std::pair<Date, Date> split_dates(const trading::RunArtifacts& run, const std::string& split);

// [00:00 COT of `from`, 00:00 COT of the day after `to`): dates inclusive.
std::pair<Timestamp, Timestamp> cot_day_range(Date from, Date to);

// The open macro flags of the database, to attribute bars without a decision to their flag.
std::shared_ptr<const features::FlagAttribution> open_flag_attribution(Services& services);

struct MarketSlice {
  std::vector<market::Bar> bars;
  std::vector<features::FeatureRow> rows;
  // The bars of the slice flagged jump or holiday: the price collar's input (spec 12).
  std::shared_ptr<const trading::FlaggedBars> flagged;
};
// Stored bars and feature rows with from <= time < to.
MarketSlice load_market_slice(Services& services, Timestamp from, Timestamp to);

}  // namespace usdcop::app
