#include "app/promotion.hpp"

#include "app/services.hpp"
#include "store/pg_policies.hpp"
#include "store/pg_promotions.hpp"

namespace usdcop::app {

namespace {
// Request and vote judge with the thresholds in force now (the database's policy).
store::PgPromotions promotions_in_force(Services& services) {
  return store::PgPromotions(services.pool(), store::active_promotion_thresholds(services.pool()));
}
// Reads do not judge anything.
store::PgPromotions promotions_for_reading(Services& services) {
  return store::PgPromotions(services.pool(), models::default_promotion_thresholds());
}
}  // namespace

models::PromotionRequest request_promotion(Services& services, const PromotionRequestInput& input) {
  const auto& who = input.caller.identity;
  require_role(
      services, who, input.skip_staging_time ? models::Role::admin : models::Role::operator_,
      input.skip_staging_time ? "promote request skipping staging time" : "promote request");
  auto promotions = promotions_in_force(services);
  models::PromotionRequest r;
  audit_refusals(services, who.principal, "promote request", [&] {
    r = promotions.request({input.model_id, models::parse_stage(input.stage), input.backtest_id,
                            input.reason, input.skip_staging_time},
                           actor_of(input.caller));
  });
  return r;
}

models::PromotionRequest vote_promotion(Services& services, const PromotionVoteInput& input) {
  const auto& who = input.caller.identity;
  require_role(services, who, models::Role::operator_, "promote vote");
  models::ManualVote vote;
  vote.voter = who.principal;
  vote.role = who.role;
  vote.approve = input.approve;
  vote.comment = input.comment;
  auto promotions = promotions_in_force(services);
  models::PromotionRequest q;
  audit_refusals(services, who.principal, "promote vote", [&] {
    models::apply_checklist(input.checklist, vote);
    q = promotions.vote(input.request_id, vote, input.caller.request_id);
  });
  return q;
}

std::vector<models::PromotionRequest> list_promotions(
    Services& services, const std::optional<std::string>& final_decision) {
  return promotions_for_reading(services).list(final_decision);
}

models::PromotionRequest show_promotion(Services& services, const std::string& request_id) {
  return promotions_for_reading(services).get(request_id);
}

PromotionPolicyInForce promotion_policy_in_force(Services& services) {
  PromotionPolicyInForce p;
  p.thresholds = store::active_promotion_thresholds(services.pool(), &p.source);
  const auto risk_profile = store::active_risk_profile(services.pool(), &p.risk_source);
  p.risk_profile_sha256 = trading::risk_profile_sha256(risk_profile);
  (void)store::active_trading_config(services.pool(), &p.trading_source);
  return p;
}

}  // namespace usdcop::app
