// Market and features (spec 07): stored bars, the newest bar, the newest feature vector.
#include <cmath>

#include "core/error.hpp"
#include "features/contract.hpp"
#include "server/query.hpp"
#include "server/routes.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_feature_store.hpp"

namespace usdcop::server {

namespace {

constexpr auto kMaxBarRange = std::chrono::days(366);

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
  store::PgBarStore store(api.pool);
  const long limit = query_long(req, "limit", 1000, 1, 10000);
  // Without `from`: the day before the newest bar before `to`.
  auto range = query_range(req, Timestamp{}, now_utc() + std::chrono::hours(24));
  if (!req.has_param("from")) {
    const auto newest = store.bar_before(range.to);
    if (!newest) {
      send_json(res, {{"bars", nlohmann::json::array()}, {"count", 0}});
      return;
    }
    range.from = newest->time - std::chrono::hours(24);
  }
  if (range.to - range.from > kMaxBarRange)
    throw Error(ErrorKind::invalid_input, "from: at most 366 days per request", "from");
  auto loaded = store.load_bars(range.from, range.to);
  // The newest `limit` bars of the range, oldest first.
  const std::size_t skip =
      loaded.size() > static_cast<std::size_t>(limit) ? loaded.size() - limit : 0;
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = skip; i < loaded.size(); ++i) out.push_back(bar_json(loaded[i]));
  send_json(res, {{"bars", out},
                  {"count", out.size()},
                  {"from", format_rfc3339(range.from)},
                  {"to", format_rfc3339(range.to)},
                  {"truncated", skip > 0}});
}

void features_latest(ApiContext& api, httplib::Response& res) {
  const auto row = store::PgFeatureStore(api.pool).latest();
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
               const auto bar = store::PgBarStore(api.pool).bar_before(
                   now_utc() + std::chrono::hours(24 * 365 * 100));
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
