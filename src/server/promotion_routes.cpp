// Promotion with two votes (spec 05, 07): request (operator; skip_staging_time admin), the
// manual vote (operator, four-eyes), list, show, thresholds. The same app:: use cases as
// `usdcop promote ...`.
#include "app/caller.hpp"
#include "app/promotion.hpp"
#include "core/error.hpp"
#include "core/text_hygiene.hpp"
#include "models/promotion_policy.hpp"
#include "server/json_body.hpp"
#include "server/query.hpp"
#include "server/routes.hpp"
#include "server/state_cache.hpp"

namespace usdcop::server {

namespace {

struct Checklist {
  bool backtest_reviewed = false, metrics_acceptable = false, team_notified = false;
};

Checklist checklist_of(const JsonBody& body) {
  Checklist c;
  const auto* v = body.find("checklist");
  if (!v) return c;
  if (!v->is_object())
    throw Error(ErrorKind::invalid_input, "checklist: expected an object", "checklist");
  for (const auto& [key, value] : v->items()) {
    bool* slot = key == "backtest_reviewed"    ? &c.backtest_reviewed
                 : key == "metrics_acceptable" ? &c.metrics_acceptable
                 : key == "team_notified"      ? &c.team_notified
                                               : nullptr;
    const std::string field = "checklist." + key.substr(0, 64);
    if (!slot)
      throw Error(ErrorKind::invalid_input,
                  "unknown checklist item (accepted: backtest_reviewed, metrics_acceptable, "
                  "team_notified)",
                  field);
    if (!value.is_boolean())
      throw Error(ErrorKind::invalid_input, field + ": expected true or false", field);
    *slot = value.get<bool>();
  }
  return c;
}

void promote(ApiContext& api, Router& router, const httplib::Request& req, httplib::Response& res,
             RequestContext& ctx) {
  app::PromotionRequestInput in{ctx.caller(), {}, {}, {}, {}, false};
  app::audit_refusals(api.services, ctx.actor().name, "POST /models/{id}/promote", [&] {
    const JsonBody body(req.body, {"target_stage", "backtest_id", "reason", "promoted_by",
                                   "checklist", "skip_staging_time"});
    in.model_id = checked_string(nlohmann::json(path_param(req, 1)), "model_id", kMaxNameChars);
    in.stage = body.required_string("target_stage", 32);
    if (in.stage != "staging" && in.stage != "production")
      throw Error(ErrorKind::invalid_input, "target_stage: staging or production", "target_stage");
    in.backtest_id = body.required_string("backtest_id", kMaxNameChars);
    in.reason = body.required_string("reason", kMaxReasonChars);
    in.skip_staging_time = body.boolean("skip_staging_time", false);
    (void)body.optional_string("promoted_by", kMaxNameChars);  // the actor is the token's
    (void)checklist_of(body);  // the checklist belongs to the manual vote; checked here only
  });
  if (in.skip_staging_time)
    router.gate().require_role(*ctx.who, models::Role::admin, "POST promote skip_staging_time");
  send_json(res, models::to_json(app::request_promotion(api.services, in)));
}

void vote(ApiContext& api, const httplib::Request& req, httplib::Response& res,
          RequestContext& ctx) {
  app::PromotionVoteInput in{ctx.caller(), {}, false, {}, {}};
  app::audit_refusals(api.services, ctx.actor().name, "POST /promotions/{uuid}/vote", [&] {
    const JsonBody body(req.body, {"decision", "comment", "checklist"});
    const auto decision = body.required_string("decision", 16);
    if (decision != "approve" && decision != "reject")
      throw Error(ErrorKind::invalid_input, "decision: 'approve' or 'reject'", "decision");
    in.approve = decision == "approve";
    in.comment = body.required_string("comment", kMaxReasonChars);
    const auto c = checklist_of(body);
    for (const auto& [item, ticked] : {std::pair{"backtest_reviewed", c.backtest_reviewed},
                                       std::pair{"metrics_acceptable", c.metrics_acceptable},
                                       std::pair{"team_notified", c.team_notified}})
      if (ticked) {
        if (!in.checklist.empty()) in.checklist += ',';
        in.checklist += item;
      }
    in.request_id = checked_string(nlohmann::json(path_param(req, 1)), "request", kMaxNameChars);
  });
  const auto decided = app::vote_promotion(api.services, in);
  api.state.invalidate();  // a promotion swaps the deployed model: seen by the next /predict
  send_json(res, models::to_json(decided));
}

void thresholds(ApiContext& api, httplib::Response& res) {
  const auto in_force = app::promotion_policy_in_force(api.services);
  auto j = models::to_json(in_force.thresholds);
  j["policy"] = in_force.source;
  auto risk = in_force.risk_source;
  risk["risk_profile_sha256"] = in_force.risk_profile_sha256;
  j["profiles"] = {{"risk", risk}, {"trading", in_force.trading_source}};
  send_json(res, j);
}

}  // namespace

void add_promotion_routes(Router& router, ApiContext& api) {
  const std::string p = kApiPrefix;
  router.post(p + "/models/{id}/promote", Access::operator_,
              [&api, &router](const httplib::Request& req, httplib::Response& res,
                              RequestContext& ctx) { promote(api, router, req, res, ctx); });
  router.post(p + "/promotions/{uuid}/vote", Access::operator_,
              [&api](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
                vote(api, req, res, ctx);
              });
  router.get(p + "/promotions", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               reject_unknown_params(req, {"status"});
               std::optional<std::string> status;
               if (auto s = query_text(req, "status", 32); !s.empty()) status = s;
               nlohmann::json out = nlohmann::json::array();
               for (const auto& q : app::list_promotions(api.services, status))
                 out.push_back(models::to_json(q));
               send_json(res, {{"promotions", out}, {"count", out.size()}});
             });
  router.get(p + "/promotions/{uuid}", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               reject_unknown_params(req, {});
               const auto id = checked_string(nlohmann::json(path_param(req, 1)), "request", 64);
               send_json(res, models::to_json(app::show_promotion(api.services, id)));
             });
  router.get(p + "/promotion-thresholds", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               reject_unknown_params(req, {});
               thresholds(api, res);
             });
}

}  // namespace usdcop::server
