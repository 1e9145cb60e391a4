// Models (spec 05, 07): list, one model, card, lineage, rollback targets, rollback and reload
// (admin).
// The same app:: use cases as `usdcop models ...`.
#include "app/model_changes.hpp"
#include "app/model_queries.hpp"
#include "app/model_reload.hpp"
#include "core/error.hpp"
#include "core/text_hygiene.hpp"
#include "features/contract.hpp"
#include "models/model_card.hpp"
#include "server/json_body.hpp"
#include "server/production_predictor.hpp"
#include "server/query.hpp"
#include "server/routes.hpp"
#include "server/state_cache.hpp"
#include "store/pg_model_registry.hpp"

namespace usdcop::server {

namespace {

std::string model_id_param(const httplib::Request& req) {
  return checked_string(nlohmann::json(path_param(req, 1)), "model_id", kMaxNameChars);
}

void list_models(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {"status"});
  std::optional<models::ModelStatus> status;
  if (const auto s = query_text(req, "status", 32); !s.empty()) {
    try {
      status = models::parse_model_status(s);
    } catch (const Error& e) {
      throw Error(ErrorKind::invalid_input, e.what(), "status");
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : app::list_models(api.services, {status})) out.push_back(models::to_json(m));
  send_json(res, {{"models", out}, {"count", out.size()}});
}

void get_model(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {});
  const auto details = app::show_model(api.services, model_id_param(req));
  nlohmann::json j = models::to_json(details.model);
  j["config"] = details.model.config;
  j["backtests"] = nlohmann::json::array();
  for (const auto& b : details.backtests) j["backtests"].push_back(models::to_json(b));
  send_json(res, j);
}

nlohmann::json target_json(const store::RollbackTarget& t) {
  auto j = models::to_json(t.model);
  j["recommended"] = t.recommended;
  j["backtest"] = t.backtest ? models::to_json(*t.backtest) : nlohmann::json(nullptr);
  return j;
}

void rollback_targets(ApiContext& api, httplib::Response& res) {
  nlohmann::json current = nullptr, targets = nlohmann::json::array();
  std::string recommended;
  for (const auto& t : app::rollback_targets(api.services)) {
    if (t.current) {
      current = target_json(t);
    } else {
      targets.push_back(target_json(t));
      if (t.recommended) recommended = t.model.model_id;
    }
  }
  send_json(res, {{"current_production", current},
                  {"available_targets", targets},
                  {"recommended",
                   recommended.empty() ? nlohmann::json(nullptr) : nlohmann::json(recommended)}});
}

void rollback(ApiContext& api, const httplib::Request& req, httplib::Response& res,
              RequestContext& ctx) {
  app::RollbackRequest r{ctx.caller(), std::nullopt, {}};
  // Bad bodies are refusals too (audited); the use case audits its own.
  app::audit_refusals(api.services, ctx.actor().name, "POST /models/rollback", [&] {
    const JsonBody body(req.body, {"target_model_id", "reason", "initiated_by"});
    r.target_model = body.optional_string("target_model_id", kMaxNameChars);
    r.reason = body.required_string("reason", kMaxReasonChars);
    (void)body.optional_string("initiated_by", kMaxNameChars);  // the actor is the token's
  });
  const auto out = app::rollback_model(api.services, r);
  api.state.invalidate();  // this server's next /predict sees the swap at once
  send_json(res, {{"success", true},
                  {"previous_model", out.result.previous_model},
                  {"new_model", out.result.new_model},
                  {"rollback_time_ms", out.result.rollback_time_ms},
                  {"request_id", ctx.request_id}});
}

// Re-verifies the deployed and staging models (app::reload_models: audited, engines notified),
// then empties this server's predictor and state caches so the next request loads them again.
void reload(ApiContext& api, const httplib::Request& req, httplib::Response& res,
            RequestContext& ctx) {
  app::ModelReloadRequest r{ctx.caller(), {}};
  app::audit_refusals(api.services, ctx.actor().name, "POST /models/reload", [&] {
    const JsonBody body(req.body, {"reason"});
    r.reason = body.optional_string("reason", kMaxReasonChars).value_or("");
  });
  const auto out = app::reload_models(api.services, r);
  api.predictor.forget_loaded();
  api.state.invalidate();
  send_json(res, app::to_json(out));
}

}  // namespace

void add_models_routes(Router& router, ApiContext& api) {
  const std::string p = std::string(kApiPrefix) + "/models";
  router.get(p, Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               list_models(api, req, res);
             });
  // Fixed paths before /models/{id}: routes match in registration order.
  router.get(p + "/rollback-targets", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               reject_unknown_params(req, {});
               rollback_targets(api, res);
             });
  router.post(p + "/rollback", Access::admin,
              [&api](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
                rollback(api, req, res, ctx);
              });
  router.post(p + "/reload", Access::admin,
              [&api](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
                reload(api, req, res, ctx);
              });
  router.get(p + "/{id}", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               get_model(api, req, res);
             });
  router.get(p + "/{id}/card", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               reject_unknown_params(req, {});
               const auto card = app::model_card(api.services, model_id_param(req));
               res.set_content(models::render_model_card(card), "text/markdown; charset=utf-8");
             });
  router.get(p + "/{id}/lineage", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               reject_unknown_params(req, {});
               send_json(res, app::model_lineage(api.services, model_id_param(req)));
             });
}

}  // namespace usdcop::server
