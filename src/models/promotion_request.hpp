#pragma once
// A row of ml.promotion_requests (spec 05) as the registry reads it.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/time.hpp"

namespace usdcop::models {

struct PromotionRequest {
  std::string request_id;  // uuid
  std::string model_id;
  std::string target_stage;  // staging | production
  std::string backtest_id;
  std::string reason, requested_by;
  std::string auto_vote_status;  // pending | passed | failed
  nlohmann::json auto_vote_details = nlohmann::json::object();
  std::optional<Timestamp> auto_vote_at;
  std::string manual_vote_status;  // pending | approved | rejected
  std::string manual_vote_by, manual_vote_role, manual_vote_comment;
  std::optional<Timestamp> manual_vote_at;
  bool checklist_backtest_reviewed = false, checklist_metrics_acceptable = false,
       checklist_team_notified = false;
  bool skip_staging_time = false;
  std::string final_decision;  // pending | promoted | rejected | override_promoted
  Timestamp created_at{}, updated_at{};
  std::optional<Timestamp> promoted_at;
};
nlohmann::json to_json(const PromotionRequest& r);

}  // namespace usdcop::models
