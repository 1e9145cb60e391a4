#pragma once
// The two votes of spec 05. The auto vote compares a stored backtest (and, for production, the
// staging time and the shadow agreement) with config/promotion.yaml, gate by gate; the manual
// vote is validated here (four-eyes, role, checklist, comment); the final decision is computed
// from both. Pure: no database, no clock (the caller passes the facts).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "models/model.hpp"
#include "models/reference_backtest.hpp"

namespace usdcop::models {

struct StageThresholds {
  double sharpe_ratio = 0, win_rate = 0, max_drawdown_pct = 0;
  long total_trades = 0;
  std::optional<double> profit_factor;         // production only
  std::optional<double> min_days_in_staging;   // production only
  std::optional<double> min_shadow_agreement;  // production only
  long min_shadow_bars = 0;
  bool require_out_of_sample = true;
};

struct PromotionThresholds {
  StageThresholds staging, production;
  // The pinned reference backtest configuration (both stages); nullopt: not pinned.
  std::optional<ReferenceBacktest> reference;
  const StageThresholds& for_stage(Stage s) const {
    return s == Stage::staging ? staging : production;
  }
};

// The spec-05 defaults (the same numbers as the shipped config/promotion.yaml).
PromotionThresholds default_promotion_thresholds();
// <config_dir>/promotion.yaml; throws Error naming the missing or mistyped key.
PromotionThresholds load_promotion_thresholds();
PromotionThresholds parse_promotion_thresholds(const std::string& yaml_text);
nlohmann::json to_json(const PromotionThresholds& t);

// What the production gates need beyond the backtest.
struct ProductionFacts {
  std::optional<double> days_in_staging;  // nullopt: the model was never staged
  bool skip_staging_time = false;         // admin bypass of the staging-days gate
  bool production_exists = false;
  long shadow_bars = 0;      // bars where both models have an inference
  long shadow_agreeing = 0;  // of those, bars with the same signal
};

struct GateResult {
  std::string gate;
  nlohmann::json value;  // number, bool or null (unknown)
  nlohmann::json threshold;
  bool passed = false;
  std::string note;  // why, when not plain "value >= threshold"
};

struct AutoVote {
  bool passed = false;
  std::vector<GateResult> gates;
  // {gate: {value, threshold, passed[, note]}} as stored in auto_vote_details.
  nlohmann::json details() const;
  std::vector<std::string> failed_gates() const;
};

AutoVote compute_auto_vote(Stage stage, const BacktestSummary& backtest,
                           const PromotionThresholds& thresholds,
                           const std::optional<Date>& training_end,
                           const ProductionFacts& facts = {},
                           const std::optional<ReferenceConfig>& reference = std::nullopt);

// The manual vote's checklist items, by their CLI/API names.
inline constexpr const char* kChecklistItems[] = {"backtest_reviewed", "metrics_acceptable",
                                                  "team_notified"};

struct ManualVote {
  std::string voter;
  Role role = Role::viewer;
  bool approve = false;
  std::string comment;
  bool backtest_reviewed = false, metrics_acceptable = false, team_notified = false;
};
// Parses "backtest_reviewed,metrics_acceptable,team_notified" (any subset, any order) into the
// vote; throws Error(invalid_input) naming an unknown item.
void apply_checklist(const std::string& list, ManualVote& vote);

enum class FinalDecision { pending, promoted, rejected, override_promoted };
const char* to_string(FinalDecision d);

inline constexpr std::size_t kMinReasonLength = 10;
// Throws Error(invalid_input) when the reason is shorter than 10 characters (after trimming).
void validate_reason(const std::string& reason, const char* field = "reason");

// Validates the manual vote on a production request and returns the final decision:
// reject -> rejected; approve + auto passed -> promoted; approve + auto failed ->
// override_promoted (admin only). Throws Error(conflict) for four-eyes and role violations and
// Error(invalid_input) for a missing comment or incomplete checklist (naming the items).
FinalDecision decide_production(const std::string& requested_by, bool auto_passed,
                                const ManualVote& vote);

}  // namespace usdcop::models
