// Promotion with two votes (spec 05, 07): request (operator; skip_staging_time admin), the
// manual vote (operator, four-eyes), list, show, thresholds. The same store::PgPromotions calls
// as `usdcop promote ...`.
#include "core/error.hpp"
#include "core/text_hygiene.hpp"
#include "models/promotion_policy.hpp"
#include "server/json_body.hpp"
#include "server/query.hpp"
#include "server/routes.hpp"
#include "store/pg_policies.hpp"
#include "store/pg_promotions.hpp"

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
  const JsonBody body(req.body, {"target_stage", "backtest_id", "reason", "promoted_by",
                                 "checklist", "skip_staging_time"});
  store::NewPromotionRequest r;
  r.model_id = checked_string(nlohmann::json(path_param(req, 1)), "model_id", kMaxNameChars);
  try {
    r.stage = models::parse_stage(body.required_string("target_stage", 32));
  } catch (const Error& e) {
    throw Error(ErrorKind::invalid_input, e.what(), "target_stage");
  }
  r.backtest_id = body.required_string("backtest_id", kMaxNameChars);
  r.reason = body.required_string("reason", kMaxReasonChars);
  r.skip_staging_time = body.boolean("skip_staging_time", false);
  (void)body.optional_string("promoted_by", kMaxNameChars);  // checked; the actor is the token's
  (void)checklist_of(body);  // the checklist belongs to the manual vote; checked here only
  if (r.skip_staging_time)
    router.gate().require_role(*ctx.who, models::Role::admin, "POST promote skip_staging_time");
  auto& pool = api.pool;
  store::PgPromotions promotions(pool, store::active_promotion_thresholds(pool));
  send_json(res, models::to_json(promotions.request(r, ctx.actor())));
}

void vote(ApiContext& api, const httplib::Request& req, httplib::Response& res,
          RequestContext& ctx) {
  const JsonBody body(req.body, {"decision", "comment", "checklist"});
  const auto decision = body.required_string("decision", 16);
  if (decision != "approve" && decision != "reject")
    throw Error(ErrorKind::invalid_input, "decision: 'approve' or 'reject'", "decision");
  models::ManualVote v;
  v.voter = ctx.who->principal;
  v.role = ctx.who->role;
  v.approve = decision == "approve";
  v.comment = body.required_string("comment", kMaxReasonChars);
  const auto c = checklist_of(body);
  v.backtest_reviewed = c.backtest_reviewed;
  v.metrics_acceptable = c.metrics_acceptable;
  v.team_notified = c.team_notified;
  const auto id = checked_string(nlohmann::json(path_param(req, 1)), "request", kMaxNameChars);
  auto& pool = api.pool;
  store::PgPromotions promotions(pool, store::active_promotion_thresholds(pool));
  send_json(res, models::to_json(promotions.vote(id, v, ctx.request_id)));
}

void thresholds(ApiContext& api, httplib::Response& res) {
  auto& pool = api.pool;
  nlohmann::json source, risk, trading;
  auto j = models::to_json(store::active_promotion_thresholds(pool, &source));
  j["policy"] = source;
  const auto risk_profile = store::active_risk_profile(pool, &risk);
  risk["risk_profile_sha256"] = trading::risk_profile_sha256(risk_profile);
  (void)store::active_trading_config(pool, &trading);
  j["profiles"] = {{"risk", risk}, {"trading", trading}};
  send_json(res, j);
}

}  // namespace

void add_promotion_routes(Router& router, ApiContext& api) {
  const std::string p = kApiPrefix;
  router.post(
      p + "/models/{id}/promote", Access::operator_,
      [&api, &router](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
        audit_refusal(api.pool, ctx.actor().name, "POST /models/{id}/promote",
                      [&] { promote(api, router, req, res, ctx); });
      });
  router.post(p + "/promotions/{uuid}/vote", Access::operator_,
              [&api](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
                audit_refusal(api.pool, ctx.actor().name, "POST /promotions/{uuid}/vote",
                              [&] { vote(api, req, res, ctx); });
              });
  router.get(p + "/promotions", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               reject_unknown_params(req, {"status"});
               std::optional<std::string> status;
               if (auto s = query_text(req, "status", 32); !s.empty()) status = s;
               store::PgPromotions promotions(api.pool, models::default_promotion_thresholds());
               nlohmann::json out = nlohmann::json::array();
               for (const auto& q : promotions.list(status)) out.push_back(models::to_json(q));
               send_json(res, {{"promotions", out}, {"count", out.size()}});
             });
  router.get(p + "/promotions/{uuid}", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               reject_unknown_params(req, {});
               store::PgPromotions promotions(api.pool, models::default_promotion_thresholds());
               const auto id = checked_string(nlohmann::json(path_param(req, 1)), "request", 64);
               send_json(res, models::to_json(promotions.get(id)));
             });
  router.get(p + "/promotion-thresholds", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               reject_unknown_params(req, {});
               thresholds(api, res);
             });
}

}  // namespace usdcop::server
