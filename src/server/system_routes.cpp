// /health (liveness, no token), /ready (database reachable, schema current; no token, for
// probes), /metrics (Prometheus text, viewer token) and GET /api/v1/me.
#include <iostream>
#include <pqxx/pqxx>

#include "core/error.hpp"
#include "monitor/metrics.hpp"
#include "server/query.hpp"
#include "server/routes.hpp"
#include "store/migrations.hpp"

namespace usdcop::server {

namespace {

void ready(ApiContext& api, httplib::Response& res) {
  nlohmann::json checks = nlohmann::json::object();
  bool ok = true;
  try {
    auto conn = api.pool.acquire();
    pqxx::read_transaction(*conn).exec("SELECT 1");
    checks["database"] = "ok";
    try {
      store::require_current_schema(*conn);
      checks["migrations"] = "ok";
    } catch (const Error& e) {
      checks["migrations"] = e.what();
      ok = false;
    }
  } catch (const std::exception& e) {
    checks["database"] = "unreachable";
    ok = false;
  }
  // The live engine (issue 13) reports its leader here once it runs in this process.
  checks["engine"] = "not part of this process";
  send_json(res, {{"ready", ok}, {"checks", checks}}, ok ? 200 : 503);
}

}  // namespace

void add_system_routes(Router& router, ApiContext& api) {
  router.get("/health", Access::open,
             [](const httplib::Request&, httplib::Response& res, RequestContext&) {
               send_json(res, {{"status", "ok"}, {"timestamp", format_rfc3339(now_utc())}});
             });
  router.get("/ready", Access::open,
             [&api](const httplib::Request&, httplib::Response& res, RequestContext&) {
               ready(api, res);
             });
  router.get("/metrics", Access::viewer,
             [&api](const httplib::Request&, httplib::Response& res, RequestContext& ctx) {
               for (const auto& refresh : api.scrape_refreshers) {
                 try {
                   refresh();
                 } catch (const std::exception& e) {
                   std::cerr << "api " << ctx.request_id << " metrics refresh: " << e.what()
                             << "\n";
                 }
               }
               res.set_content(monitor::render_metrics(), monitor::kMetricsContentType);
             });
  router.get(std::string(kApiPrefix) + "/me", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               reject_unknown_params(req, {});
               const auto& who = *ctx.who;
               send_json(res, {{"principal", who.principal},
                               {"role", models::to_string(who.role)},
                               {"token_id", who.token_id},
                               {"scopes", who.scopes},
                               {"rate_limit_per_minute", who.rate_limit_per_minute > 0
                                                             ? who.rate_limit_per_minute
                                                             : api.config.rate_limit_per_minute},
                               {"request_id", ctx.request_id}});
             });
}

}  // namespace usdcop::server
