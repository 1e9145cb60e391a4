// The live engine seen from the API (spec 07, 12): drift of the production model (GET
// /models/router/drift, /drift/history), GET /engine/status, the dead-letter queue (GET /dlq,
// POST /dlq/{id}/retry and /resolve, admin), and the alerts and incidents derived from them
// (GET /alerts, /incidents; app/alert_views.hpp). The same app:: use cases as `usdcop drift`.
#include <charconv>

#include "app/alert_views.hpp"
#include "app/dead_letters.hpp"
#include "app/drift.hpp"
#include "app/trading_reads.hpp"
#include "core/error.hpp"
#include "core/text_hygiene.hpp"
#include "server/json_body.hpp"
#include "server/query.hpp"
#include "server/routes.hpp"

namespace usdcop::server {

namespace {

void drift(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {"window"});
  app::DriftRequest r;
  r.window_bars = static_cast<int>(query_long(req, "window", r.window_bars, 10, 10000));
  send_json(res, app::to_json(app::compute_drift(api.services, r)));
}

void drift_history(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {"feature", "from", "to", "limit"});
  const auto range =
      query_range(req, now_utc() - std::chrono::days(7), now_utc() + std::chrono::hours(1));
  app::DriftHistoryRequest r{query_text(req, "feature", 64), range.from, range.to,
                             query_long(req, "limit", 1000, 1, app::kMaxReadLimit)};
  nlohmann::json out = nlohmann::json::array();
  for (const auto& h : app::drift_history(api.services, r)) {
    out.push_back({{"computed_at", format_rfc3339(h.computed_at)},
                   {"model_id", h.model_id},
                   {"feature", h.feature},
                   {"psi", h.psi},
                   {"threshold", h.threshold},
                   {"drifted", h.drifted},
                   {"window",
                    {{"from", format_rfc3339(h.window_from)},
                     {"to", format_rfc3339(h.window_to)},
                     {"bars", h.window_bars}}}});
  }
  send_json(res, {{"history", out}, {"count", out.size()}});
}

void engine_status(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {});
  const auto s = app::engine_status(api.services);
  nlohmann::json marks = nlohmann::json::object();
  for (const auto& w : s.watermarks) {
    if (w.name == "leader") continue;
    marks[w.name] = {{"value", w.value ? nlohmann::json(format_rfc3339(*w.value)) : nullptr},
                     {"epoch", w.epoch},
                     {"updated_at", format_rfc3339(w.updated_at)}};
  }
  send_json(
      res, {{"leader",
             {{"epoch", s.leader_epoch},
              {"holder",
               s.leader_holder.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.leader_holder)},
              {"alive", s.leader_alive}}},
            {"watermarks", marks},
            {"last_progress_at",
             s.last_progress_at ? nlohmann::json(format_rfc3339(*s.last_progress_at)) : nullptr},
            {"progress_age_seconds",
             s.progress_age_seconds ? nlohmann::json(*s.progress_age_seconds) : nullptr},
            {"dead_letters", s.dead_letters},
            {"mode", s.mode}});
}

void dlq_list(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {"status"});
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : app::list_dead_letters(api.services, query_text(req, "status", 16)))
    out.push_back(r.to_json());
  send_json(res, {{"dead_letters", out}, {"count", out.size()}});
}

long letter_id(const httplib::Request& req) {
  const auto text = path_param(req, 1);
  long id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id < 1)
    throw Error(ErrorKind::invalid_input, "id: a positive integer", "id");
  return id;
}

void dlq_retry(ApiContext& api, const httplib::Request& req, httplib::Response& res,
               RequestContext& ctx) {
  const JsonBody body(req.body, {});
  const auto row = app::retry_dead_letter(api.services, {ctx.caller(), letter_id(req)});
  send_json(res, {{"dead_letter", row.to_json()}, {"request_id", ctx.request_id}});
}

void dlq_resolve(ApiContext& api, const httplib::Request& req, httplib::Response& res,
                 RequestContext& ctx) {
  const JsonBody body(req.body, {"reason"});
  auto reason = body.required_string("reason", kMaxReasonChars);
  require_reason(reason, "reason", 3);
  const auto row =
      app::resolve_dead_letter(api.services, {ctx.caller(), letter_id(req), std::move(reason)});
  send_json(res, {{"dead_letter", row.to_json()}, {"request_id", ctx.request_id}});
}

void alerts(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {"state", "limit"});
  const app::AlertListRequest r{query_text(req, "state", 16),
                                query_long(req, "limit", 1000, 1, 10000)};
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : app::list_alerts(api.services, r)) {
    out.push_back(
        {{"id", a.id},
         {"name", a.name},
         {"severity", a.severity},
         {"state", a.state},
         {"started_at", format_rfc3339(a.started_at)},
         {"resolved_at", a.resolved_at ? nlohmann::json(format_rfc3339(*a.resolved_at)) : nullptr},
         {"value", a.value},
         {"labels", a.labels},
         {"summary", a.summary}});
  }
  send_json(res, {{"alerts", out}, {"count", out.size()}, {"derived", true}});
}

void incidents(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {"from", "to", "limit"});
  const auto range =
      query_range(req, now_utc() - std::chrono::days(30), now_utc() + std::chrono::hours(1));
  const app::IncidentListRequest r{range.from, range.to, query_long(req, "limit", 100, 1, 1000)};
  nlohmann::json out = nlohmann::json::array();
  for (const auto& i : app::list_incidents(api.services, r)) {
    nlohmann::json timeline = nlohmann::json::array();
    for (const auto& e : i.timeline) timeline.push_back(models::to_json(e));
    out.push_back(
        {{"id", i.id},
         {"title", i.title},
         {"severity", i.severity},
         {"status", i.status},
         {"opened_at", format_rfc3339(i.opened_at)},
         {"resolved_at", i.resolved_at ? nlohmann::json(format_rfc3339(*i.resolved_at)) : nullptr},
         {"opened_by", i.opened_by},
         {"timeline", timeline}});
  }
  send_json(res, {{"incidents", out}, {"count", out.size()}, {"derived", true}});
}

}  // namespace

void add_engine_routes(Router& router, ApiContext& api) {
  const std::string p = kApiPrefix;
  const auto read = [&](const std::string& path, auto fn) {
    router.get(p + path, Access::viewer,
               [&api, fn](const httplib::Request& req, httplib::Response& res, RequestContext&) {
                 fn(api, req, res);
               });
  };
  read("/models/router/drift", drift);
  read("/drift/history", drift_history);
  read("/engine/status", engine_status);
  read("/dlq", dlq_list);
  read("/alerts", alerts);
  read("/incidents", incidents);
  router.post(p + "/dlq/{id}/retry", Access::admin,
              [&api](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
                dlq_retry(api, req, res, ctx);
              });
  router.post(p + "/dlq/{id}/resolve", Access::admin,
              [&api](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
                dlq_resolve(api, req, res, ctx);
              });
}

}  // namespace usdcop::server
