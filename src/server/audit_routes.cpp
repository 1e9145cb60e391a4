// GET /audit (spec 05, 07: from/to/actor/action, JSON or CSV) and GET /risk-events (spec 12).
#include "app/audit_export.hpp"
#include "core/error.hpp"
#include "models/audit_entry.hpp"
#include "server/query.hpp"
#include "server/routes.hpp"

namespace usdcop::server {

namespace {

void audit(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {"from", "to", "actor", "action", "format", "limit"});
  const auto range =
      query_range(req, now_utc() - std::chrono::days(7), now_utc() + std::chrono::hours(1));
  store::AuditQuery q;
  q.from = range.from;
  q.to = range.to;
  q.actor = query_text(req, "actor");
  q.action = query_text(req, "action");
  q.limit = query_long(req, "limit", 10000, 1, 100000);
  const auto format = query_text(req, "format", 8);
  if (!format.empty() && format != "json" && format != "csv")
    throw Error(ErrorKind::invalid_input, "format: json or csv", "format");
  const auto rows = app::query_audit(api.services, q);
  if (format == "csv") {
    std::string out = std::string(models::kAuditCsvHeader) + "\n";
    for (const auto& e : rows) out += models::to_csv_line(e) + "\n";
    res.set_content(out, "text/csv; charset=utf-8");
    return;
  }
  nlohmann::json j = nlohmann::json::array();
  for (const auto& e : rows) j.push_back(models::to_json(e));
  send_json(res, {{"entries", j},
                  {"count", j.size()},
                  {"from", format_rfc3339(range.from)},
                  {"to", format_rfc3339(range.to)}});
}

void risk_events(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {"from", "to", "model_id", "rule", "source", "limit"});
  const auto range = query_range(req, Timestamp{}, now_utc() + std::chrono::hours(24));
  store::RiskEventQuery q;
  q.from = range.from;
  q.to = range.to;
  q.model_id = query_text(req, "model_id");
  q.rule = query_text(req, "rule", 64);
  q.source = query_text(req, "source", 16);
  if (!q.source.empty() && q.source != "live" && q.source != "backtest")
    throw Error(ErrorKind::invalid_input, "source: live or backtest", "source");
  q.limit = query_long(req, "limit", 1000, 1, 10000);
  nlohmann::json j = nlohmann::json::array();
  for (const auto& e : app::list_risk_events(api.services, q)) j.push_back(store::to_json(e));
  send_json(res, {{"risk_events", j}, {"count", j.size()}});
}

}  // namespace

void add_audit_routes(Router& router, ApiContext& api) {
  const std::string p = kApiPrefix;
  router.get(p + "/audit", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               audit(api, req, res);
             });
  router.get(p + "/risk-events", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               risk_events(api, req, res);
             });
}

}  // namespace usdcop::server
