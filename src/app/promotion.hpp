#pragma once
// Promotion with two votes (spec 05): request (the auto vote is computed at once; staging
// requests are decided by it), the manual vote on a production request (four-eyes), and the
// reads. Refusals of the rules are audited as `command.refused`.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/caller.hpp"
#include "models/promotion_policy.hpp"
#include "models/promotion_request.hpp"
#include "trading/trading_config.hpp"

namespace usdcop::app {

class Services;

struct PromotionRequestInput {
  Caller caller;  // an operator; an admin with skip_staging_time
  std::string model_id;
  std::string stage;  // staging | production (Error(invalid_input) otherwise, audited)
  std::string backtest_id;
  std::string reason;  // at least 10 characters
  bool skip_staging_time = false;
};
// The stored request with its auto vote. final_decision "rejected" when the auto vote failed a
// staging request.
models::PromotionRequest request_promotion(Services& services, const PromotionRequestInput& input);

struct PromotionVoteInput {
  Caller caller;  // an operator who neither requested the promotion nor registered the model
  std::string request_id;
  bool approve = false;
  std::string comment;    // the override reason when the auto vote failed
  std::string checklist;  // comma-separated: backtest_reviewed,metrics_acceptable,team_notified
};
models::PromotionRequest vote_promotion(Services& services, const PromotionVoteInput& input);

// Newest first; only those with this final decision when given.
std::vector<models::PromotionRequest> list_promotions(
    Services& services, const std::optional<std::string>& final_decision);
models::PromotionRequest show_promotion(Services& services, const std::string& request_id);

// The promotion gates in force and where they come from, with the risk and trading profiles a
// registered model's backtest runs with.
struct PromotionPolicyInForce {
  models::PromotionThresholds thresholds;
  nlohmann::json source;  // the database's policy version, or the seed file
  nlohmann::json risk_source, trading_source;
  std::string risk_profile_sha256;
};
PromotionPolicyInForce promotion_policy_in_force(Services& services);

}  // namespace usdcop::app
