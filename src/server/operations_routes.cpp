// Operations (spec 07): status, kill switch, pause, resume (CONFIRM_RESUME after a kill),
// history. Mode changes go through app::change_operations_mode, the use case the CLI's `ops`
// commands call (one transaction: mode, audit row, NOTIFY operations_mode).
#include <algorithm>
#include <functional>

#include "app/caller.hpp"
#include "app/operations.hpp"
#include "core/error.hpp"
#include "core/text_hygiene.hpp"
#include "server/json_body.hpp"
#include "server/query.hpp"
#include "server/routes.hpp"
#include "server/state_cache.hpp"

namespace usdcop::server {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

nlohmann::json status_json(const store::OperationsState& s) {
  return {{"mode", lower(s.mode)},
          {"kill_switch_active", s.kill_switch_active},
          {"reason", s.reason},
          {"changed_by", s.changed_by},
          {"changed_at", format_rfc3339(s.changed_at)},
          {"timestamp", format_rfc3339(now_utc())}};
}

// Spec 12: a claimed actor in the body is kept as details.claimed_by, never as the actor.
nlohmann::json claimed(const JsonBody& body, const std::string& field) {
  nlohmann::json d = {{"via", "api"}};
  if (auto who = body.optional_string(field, kMaxNameChars)) d["claimed_by"] = *who;
  return d;
}

std::string reason_of(const JsonBody& body) {
  auto reason = body.required_string("reason", kMaxReasonChars);
  try {
    require_reason(reason, "reason", 1);
  } catch (const Error& e) {
    throw Error(e.kind(), e.what(), "reason");
  }
  return reason;
}

// A mode change's request, its body parsed under `route` (a bad body is audited as a refusal
// of that route); the operations use case then checks the role and audits the rules'
// refusals under the same name.
app::ModeChangeRequest mode_request(ApiContext& api, RequestContext& ctx, const std::string& route,
                                    const std::function<void(app::ModeChangeRequest&)>& parse) {
  app::ModeChangeRequest request;
  request.caller = ctx.caller();
  request.audited_as = route;
  app::audit_refusals(api.services, ctx.actor().name, route, [&] { parse(request); });
  return request;
}

store::ModeChange change_mode(ApiContext& api, RequestContext& ctx, const std::string& route,
                              const std::function<void(app::ModeChangeRequest&)>& parse) {
  return app::change_operations_mode(api.services, mode_request(api, ctx, route, parse));
}

void kill_switch(ApiContext& api, const httplib::Request& req, httplib::Response& res,
                 RequestContext& ctx) {
  const auto change =
      change_mode(api, ctx, "POST /operations/kill-switch", [&](app::ModeChangeRequest& r) {
        const JsonBody body(req.body, {"reason", "activated_by", "close_positions", "notify_team"});
        r.action = app::ModeAction::kill;
        r.reason = reason_of(body);
        r.details = claimed(body, "activated_by");
        r.details["close_positions"] = body.boolean("close_positions", true);
        r.details["notify_team"] = body.boolean("notify_team", true);
      });
  const auto state = app::operations_mode(api.services);
  send_json(res, {{"success", true},
                  {"mode", "killed"},
                  {"activated_at", format_rfc3339(state.changed_at)},
                  // No position is held outside the live engine's own ledger yet (issue 13);
                  // the engine flattens on the operations_mode notification.
                  {"positions_closed", 0},
                  {"previous_mode", lower(change.previous)},
                  {"message", "kill switch active: no new orders; resume needs CONFIRM_RESUME"},
                  {"request_id", ctx.request_id}});
}

void pause(ApiContext& api, const httplib::Request& req, httplib::Response& res,
           RequestContext& ctx) {
  const auto change =
      change_mode(api, ctx, "POST /operations/pause", [&](app::ModeChangeRequest& r) {
        const JsonBody body(req.body, {"reason", "paused_by"});
        r.action = app::ModeAction::pause;
        r.reason = reason_of(body);
        r.details = claimed(body, "paused_by");
      });
  send_json(res, {{"success", true},
                  {"mode", "paused"},
                  {"previous_mode", lower(change.previous)},
                  {"changed", change.changed},
                  {"request_id", ctx.request_id}});
}

// Fields come from the body or, for the original platform's clients, the query string.
JsonBody resume_body(const httplib::Request& req) {
  const std::set<std::string> allowed{"resumed_by", "confirmation_code", "reason"};
  const JsonBody from_body(req.body, allowed);
  nlohmann::json merged = nlohmann::json::object();
  for (const auto& [key, value] : req.params) merged[key] = value;
  for (const auto& [key, value] : from_body.raw().items()) merged[key] = value;
  return JsonBody::from_object(std::move(merged), allowed);
}

void resume(ApiContext& api, const httplib::Request& req, httplib::Response& res,
            RequestContext& ctx) {
  const auto request =
      mode_request(api, ctx, "POST /operations/resume", [&](app::ModeChangeRequest& r) {
        const auto body = resume_body(req);
        r.action = app::ModeAction::resume;
        r.confirmation = body.optional_string("confirmation_code", 64).value_or("");
        r.reason = body.optional_string("reason", kMaxReasonChars).value_or("");
        if (r.reason.empty()) r.reason = "resumed through the API";
      });
  store::ModeChange change;
  try {
    change = app::change_operations_mode(api.services, request);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::invalid_input || !e.field().empty()) throw;
    throw Error(e.kind(), e.what(), "confirmation_code");
  }
  send_json(res, {{"success", true},
                  {"mode", "normal"},
                  {"previous_mode", lower(change.previous)},
                  {"message", change.changed ? "trading resumed" : "already normal"},
                  {"request_id", ctx.request_id}});
}

void history(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {"from", "to", "limit"});
  const auto range = query_range(req, Timestamp{}, now_utc() + std::chrono::hours(24));
  const long limit = query_long(req, "limit", 100, 1, 10000);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& e : app::operations_history(api.services, range.from, range.to, limit))
    rows.push_back(models::to_json(e));
  send_json(res, {{"history", rows}, {"count", rows.size()}});
}

// The mode from the cache (refreshed by NOTIFY operations_mode), else the database.
store::OperationsState cached_mode(ApiContext& api) {
  if (auto cached = api.state.mode()) return *cached;
  const uint64_t generation = api.state.generation();
  auto state = app::operations_mode(api.services);
  api.state.store_mode(state, generation);
  return state;
}

// A mode change by this server is visible to its next request at once, not only after the
// notification comes back; also when the change was refused half-way.
struct StateInvalidation {
  StateCache& state;
  ~StateInvalidation() { state.invalidate(); }
};

}  // namespace

void add_operations_routes(Router& router, ApiContext& api) {
  const std::string p = std::string(kApiPrefix) + "/operations";
  router.get(p + "/status", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               reject_unknown_params(req, {});
               send_json(res, status_json(cached_mode(api)));
             });
  router.get(p + "/history", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               history(api, req, res);
             });
  router.post(p + "/kill-switch", Access::operator_,
              [&api](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
                StateInvalidation after{api.state};
                kill_switch(api, req, res, ctx);
              });
  router.post(p + "/pause", Access::operator_,
              [&api](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
                StateInvalidation after{api.state};
                pause(api, req, res, ctx);
              });
  router.post(p + "/resume", Access::operator_,
              [&api](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
                StateInvalidation after{api.state};
                resume(api, req, res, ctx);
              });
}

}  // namespace usdcop::server
