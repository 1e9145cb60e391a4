// The paper account the live engine writes (spec 07): GET /signals, /positions, /trades,
// /pnl/daily. The same app:: read use cases as the CLI; every parameter checked and named.
#include "app/trading_reads.hpp"
#include "core/error.hpp"
#include "server/json_body.hpp"
#include "server/query.hpp"
#include "server/routes.hpp"

namespace usdcop::server {

namespace {

app::AccountReadRequest account_request(const httplib::Request& req) {
  const auto range = query_range(req, Timestamp{}, now_utc() + std::chrono::hours(24));
  app::AccountReadRequest r;
  r.from = range.from;
  r.to = range.to;
  r.model_id =
      checked_string(nlohmann::json(query_text(req, "model_id")), "model_id", kMaxNameChars);
  r.account = checked_string(nlohmann::json(query_text(req, "account")), "account", kMaxNameChars);
  r.limit = query_long(req, "limit", 1000, 1, app::kMaxReadLimit);
  return r;
}

void signals(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {"model_id", "from", "to", "role", "account", "limit"});
  app::SignalReadRequest r;
  static_cast<app::AccountReadRequest&>(r) = account_request(req);
  r.role = query_text(req, "role", 16);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : app::list_signals(api.services, r)) out.push_back(store::to_json(s));
  send_json(res, {{"signals", out}, {"count", out.size()}});
}

void positions(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {"account"});
  const auto account =
      checked_string(nlohmann::json(query_text(req, "account")), "account", kMaxNameChars);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : app::list_positions(api.services, account)) out.push_back(store::to_json(p));
  send_json(res, {{"positions", out}, {"count", out.size()}});
}

void trades(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {"model_id", "from", "to", "account", "limit"});
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : app::list_trades(api.services, account_request(req)))
    out.push_back(store::to_json(t));
  send_json(res, {{"trades", out}, {"count", out.size()}});
}

Date query_date(const httplib::Request& req, const std::string& name, Date fallback) {
  const auto text = query_text(req, name, 16);
  if (text.empty()) return fallback;
  const auto d = parse_date(text);
  if (!d) throw Error(ErrorKind::invalid_input, name + ": a date YYYY-MM-DD", name);
  return *d;
}

void pnl_daily(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {"from", "to", "account"});
  app::DailyPnlRequest r;
  r.to = query_date(req, "to", cot_date(now_utc()));
  r.from = query_date(req, "from", r.to - std::chrono::days(30));
  r.account = checked_string(nlohmann::json(query_text(req, "account")), "account", kMaxNameChars);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : app::daily_pnl(api.services, r)) out.push_back(store::to_json(d));
  send_json(res, {{"days", out},
                  {"count", out.size()},
                  {"from", format_date(r.from)},
                  {"to", format_date(r.to)}});
}

}  // namespace

void add_trading_routes(Router& router, ApiContext& api) {
  const std::string p = kApiPrefix;
  const auto route = [&](const std::string& path, auto fn) {
    router.get(p + path, Access::viewer,
               [&api, fn](const httplib::Request& req, httplib::Response& res, RequestContext&) {
                 fn(api, req, res);
               });
  };
  route("/signals", signals);
  route("/positions", positions);
  route("/trades", trades);
  route("/pnl/daily", pnl_daily);
}

}  // namespace usdcop::server
