#pragma once
// Promotion with two votes (spec 05) over ml.promotion_requests. request() computes and
// records the auto vote at once (staging requests are decided by it); vote() records the
// manual vote on a production request and, when the decision promotes, swaps the production
// model in the same transaction (previous -> archived, new -> deployed, audit, NOTIFY).
// The rules are models::plan_promotion_request / plan_manual_vote (models/promotion_rules.hpp):
// each call loads their snapshot inside its transaction (request and model rows locked), asks
// the rule for a plan and executes it there; a refusal is thrown as the rule's Error (kind,
// logical field, reason).
#include <optional>
#include <string>
#include <vector>

#include "models/promotion_policy.hpp"
#include "models/promotion_request.hpp"
#include "store/connection_pool.hpp"
#include "store/pg_model_registry.hpp"

namespace usdcop::store {

struct NewPromotionRequest {
  std::string model_id;
  models::Stage stage = models::Stage::staging;
  std::string backtest_id;
  std::string reason;
  bool skip_staging_time = false;  // admin only, production only, always audited
};

class PgPromotions {
 public:
  PgPromotions(ConnectionPool& pool, models::PromotionThresholds thresholds)
      : pool_(pool), thresholds_(std::move(thresholds)) {}

  // Errors: invalid_input (short reason, backtest of another model, skip on a staging request),
  // not_found (model, backtest), conflict (role below operator, skip without admin, wrong model
  // status, a pending request exists), integrity (artifacts, backtest of another actor).
  models::PromotionRequest request(const NewPromotionRequest& req, const Actor& requester);
  // The manual vote (production requests). Errors: see models::judge_manual_vote, plus
  // not_found, conflict (already decided, staging request, expired, four-eyes with the
  // registrar or trainer, a swap in progress).
  models::PromotionRequest vote(const std::string& request_id, const models::ManualVote& vote,
                                const std::string& correlation_id = "");

  std::vector<models::PromotionRequest> list(
      const std::optional<std::string>& final_decision = std::nullopt);
  models::PromotionRequest get(const std::string& request_id);

 private:
  ConnectionPool& pool_;
  models::PromotionThresholds thresholds_;
};

}  // namespace usdcop::store
