// Market and features (spec 07): stored bars, the newest bar, the newest feature vector.
#include <cmath>

#include "app/market_reads.hpp"
#include "core/error.hpp"
#include "features/contract.hpp"
#include "server/query.hpp"
#include "server/routes.hpp"

namespace usdcop::server {

namespace {

nlohmann::json bar_json(const market::Bar& b) {
  return {{"time", format_rfc3339(b.time)},
          {"open", b.open},
          {"high", b.high},
          {"low", b.low},
          {"close", b.close},
          {"volume", b.volume}};
}

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

void bars(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {"from", "to", "limit"});
  const auto range = query_range(req, Timestamp{}, now_utc() + std::chrono::hours(24));
  app::BarsRequest request;
  if (req.has_param("from")) request.from = range.from;
  request.to = range.to;
  request.limit = query_long(req, "limit", 1000, 1, 10000);
  const auto window = app::bars_in_range(api.services, request);
  if (window.empty_store) {
    send_json(res, {{"bars", nlohmann::json::array()}, {"count", 0}});
    return;
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& bar : window.bars) out.push_back(bar_json(bar));
  send_json(res, {{"bars", out},
                  {"count", out.size()},
                  {"from", format_rfc3339(window.from)},
                  {"to", format_rfc3339(window.to)},
                  {"truncated", window.truncated}});
}

void features_latest(ApiContext& api, httplib::Response& res) {
  const auto row = app::latest_feature_row(api.services);
  if (!row) throw Error(ErrorKind::not_found, "no feature rows stored yet (usdcop features build)");
  nlohmann::json vector = nlohmann::json::array(), names = nlohmann::json::array();
  for (double v : row->market) vector.push_back(number_or_null(v));
  // The position slot is the production position; positions are held by the live engine
  // (issue 13), so until it runs the API reports flat.
  vector.push_back(0);
  vector.push_back(number_or_null(row->time_normalized));
  for (auto n : features::feature_names()) names.push_back(std::string(n));
  send_json(res, {{"time", format_rfc3339(row->time)},
                  {"feature_vector", vector},
                  {"feature_names", names},
                  {"complete", row->complete},
                  {"missing", row->missing},
                  {"builder_version", row->builder_version},
                  {"feature_order_hash", features::feature_order_hash()}});
}

}  // namespace

void add_market_routes(Router& router, ApiContext& api) {
  const std::string p = kApiPrefix;
  router.get(p + "/market/bars", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               bars(api, req, res);
             });
  router.get(p + "/market/latest", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               reject_unknown_params(req, {});
               const auto bar = app::latest_bar(api.services);
               if (!bar) throw Error(ErrorKind::not_found, "no bars stored yet");
               send_json(res, bar_json(*bar));
             });
  router.get(p + "/features/latest", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               reject_unknown_params(req, {});
               features_latest(api, res);
             });
}

}  // namespace usdcop::server
