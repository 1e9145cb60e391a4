// The liquidity regime over HTTP (spec 10, docs/FEATURE_STORE.md): /api/liquidity/v1/regime/
// latest, /regime/scoreboard and /regime/hints (spec 10's /scoreboard and /hints answer the
// same), read from the stored history (`usdcop liquidity compute`, the scheduler's job) through
// app::regime_day. `?date=YYYY-MM-DD` reads one grid date instead of the latest. Every answer
// also sets the regime gauges of /metrics.
#include <memory>

#include "app/liquidity.hpp"
#include "core/error.hpp"
#include "monitor/metrics.hpp"
#include "server/oracle_metrics.hpp"
#include "server/query.hpp"
#include "server/routes.hpp"

namespace usdcop::server {

namespace {

using nlohmann::json;

constexpr const char* kPrefix = "/api/liquidity/v1";

std::optional<Date> date_param(const httplib::Request& req) {
  reject_unknown_params(req, {"date"});
  const auto text = query_text(req, "date", 10);
  if (text.empty()) return std::nullopt;
  try {
    return parse_date_or_throw(text, "date");
  } catch (const Error& e) {
    throw Error(ErrorKind::invalid_input, std::string("date: ") + e.what(), "date");
  }
}

using View = json (*)(const liquidity::StoredRegimeDay&);

json latest_view(const liquidity::StoredRegimeDay& s) {
  return liquidity::regime_latest_json(s.day, s.computed_at);
}
json scoreboard_view(const liquidity::StoredRegimeDay& s) {
  return liquidity::scoreboard_json(s.day);
}
json hints_view(const liquidity::StoredRegimeDay& s) {
  return liquidity::hints_json(s.day);
}

}  // namespace

void add_liquidity_routes(Router& router, ApiContext& api) {
  auto metrics = std::make_shared<OracleMetrics>(monitor::metrics_registry());
  auto& services = api.services;
  const auto add = [&](const std::string& path, View view) {
    router.get(kPrefix + path, Access::viewer,
               [&router, &services, metrics, view](const httplib::Request& req,
                                                   httplib::Response& res, RequestContext& ctx) {
                 router.gate().require_scope(*ctx.who, "oracle.reader", "GET " + ctx.route);
                 const auto date = date_param(req);
                 const auto stored = app::regime_day(services, date);
                 if (!date) metrics->regime(liquidity::regime_metrics(stored.day));
                 send_json(res, view(stored));
               });
  };
  add(std::string("/regime/latest"), latest_view);
  add(std::string("/regime/scoreboard"), scoreboard_view);
  add(std::string("/regime/hints"), hints_view);
  add(std::string("/scoreboard"), scoreboard_view);
  add(std::string("/hints"), hints_view);
  api.scrape_refreshers.push_back([&services, metrics] {
    try {
      metrics->regime(liquidity::regime_metrics(app::regime_day(services).day));
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::not_found) throw;  // nothing computed yet: no gauges
    }
  });
}

}  // namespace usdcop::server
