// The feature store over HTTP (spec 10, docs/FEATURE_STORE.md): /api/features/v1/catalog,
// /latest, /query, /publish, /quality, and the admin's catalog apply and maintenance. Thin:
// parse, check the token's scope, call app::FeatureStore (the CLI's use cases), answer with the
// library's to_json(). The store's circuit breaker answers 503 with Retry-After.
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <memory>

#include "app/feature_store.hpp"
#include "core/error.hpp"
#include "monitor/metrics.hpp"
#include "server/http_error.hpp"
#include "server/json_body.hpp"
#include "server/oracle_metrics.hpp"
#include "server/query.hpp"
#include "server/routes.hpp"

namespace usdcop::server {

namespace {

using nlohmann::json;

constexpr const char* kPrefix = "/api/features/v1";
constexpr std::size_t kMaxQueryFeatures = 100;
constexpr const char* kReader = "oracle.reader";
constexpr const char* kPublisher = "oracle.publisher";
constexpr const char* kAdmin = "oracle.admin";

struct FeatureRoutes {
  explicit FeatureRoutes(app::Services& services)
      : store(services), metrics(monitor::metrics_registry()) {}
  app::FeatureStore store;
  OracleMetrics metrics;
};

using FeatureHandler = std::function<void(FeatureRoutes&, const httplib::Request&,
                                          httplib::Response&, RequestContext&)>;

// The scope check, the endpoint's duration and the breaker's 503 around a handler.
Handler scoped(Router& router, std::shared_ptr<FeatureRoutes> routes, std::string endpoint,
               std::string scope, FeatureHandler handler) {
  return [&router, routes = std::move(routes), endpoint = std::move(endpoint),
          scope = std::move(scope), handler = std::move(handler)](
             const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
    router.gate().require_scope(*ctx.who, scope, req.method + " " + ctx.route);
    const auto start = std::chrono::steady_clock::now();
    try {
      handler(*routes, req, res, ctx);
    } catch (const Error& e) {
      const auto& breaker = routes->store.service().breaker();
      if (e.kind() != ErrorKind::unavailable || !breaker.is_open()) throw;
      HttpError open(503, "unavailable", e.what(), "",
                     {{"circuit", "open"}, {"storage_error_rate", breaker.error_rate()}});
      open.retry_after_seconds =
          static_cast<int>(routes->store.service().options().breaker.open_for.count());
      throw open;
    }
    routes->metrics.query_duration(
        endpoint, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  };
}

json parse_body(const std::string& text) {
  // Python's json.dumps writes NaN/Infinity bare: read them so the element can be named.
  auto body = json::parse(quote_non_finite_words(text), nullptr, false);
  if (body.is_discarded()) throw Error(ErrorKind::invalid_input, "body: not valid JSON", "body");
  return body;
}

// A bare NaN/Infinity value becomes a real non-finite number, refused per index by the rules
// ("value: not a finite number") rather than as an unreadable element.
void restore_non_finite_values(json& points) {
  for (auto& p : points) {
    if (!p.is_object() || !p.contains("value") || !p["value"].is_string()) continue;
    const std::string v = p["value"].get<std::string>();  // a copy: the value is replaced
    if (v == "NaN") p["value"] = std::numeric_limits<double>::quiet_NaN();
    if (v == "Infinity") p["value"] = std::numeric_limits<double>::infinity();
    if (v == "-Infinity") p["value"] = -std::numeric_limits<double>::infinity();
  }
}

void catalog(FeatureRoutes& r, const httplib::Request& req, httplib::Response& res,
             RequestContext&) {
  reject_unknown_params(req, {"entity", "frequency", "tags"});
  fstore::CatalogFilter filter;
  if (const auto entity = query_text(req, "entity", 16); !entity.empty()) {
    if (entity != "asset" && entity != "pair" && entity != "market" && entity != "macro")
      throw Error(ErrorKind::invalid_input, "entity: must be one of asset|pair|market|macro",
                  "entity");
    filter.entity = entity;
  }
  if (const auto frequency = query_text(req, "frequency", 8); !frequency.empty()) {
    if (!fstore::valid_frequency(frequency))
      throw Error(ErrorKind::invalid_input,
                  "frequency: must be one of tick|1m|5m|1h|1d|1b|1w|1mo|1q", "frequency");
    filter.frequency = frequency;
  }
  filter.tags = fstore::split_tags(query_text(req, "tags", 1024));
  json out = json::array();
  for (const auto& s : r.store.catalog(filter)) out.push_back(s.to_json());
  send_json(res, out);
}

void latest(FeatureRoutes& r, const httplib::Request& req, httplib::Response& res,
            RequestContext&) {
  reject_unknown_params(req, {"featureId"});
  const auto id = query_text(req, "featureId", 256);
  if (id.empty()) throw Error(ErrorKind::invalid_input, "featureId: required", "featureId");
  const auto result = r.store.latest(id);
  if (result.point) r.metrics.freshness(id, static_cast<double>(result.age_ms) / 1000.0);
  send_json(res, result.to_json());
}

void query(FeatureRoutes& r, const httplib::Request& req, httplib::Response& res, RequestContext&) {
  const JsonBody body(req.body, {"featureIds", "since", "until", "agg", "interval", "limit"});
  if (const auto* ids = body.find("featureIds");
      ids && ids->is_array() && ids->size() > kMaxQueryFeatures)
    throw Error(ErrorKind::invalid_input,
                "featureIds: at most " + std::to_string(kMaxQueryFeatures) + " per query",
                "featureIds");
  const auto result = r.store.query(fstore::QueryRequest::from_json(body.raw()));
  r.metrics.set_gauges(fstore::query_metric_samples(result));
  send_json(res, result.to_json());
}

void publish(FeatureRoutes& r, const httplib::Request& req, httplib::Response& res,
             RequestContext& ctx) {
  auto body = parse_body(req.body);
  if (!body.is_array())
    throw Error(ErrorKind::invalid_input,
                "body: must be a list of feature points, got " + json_type_name(body), "body");
  restore_non_finite_values(body);
  const auto result = r.store.publish_json(body);
  r.metrics.published(body, result);
  // The rejects are in fs.publish_rejects; the log line ties them to the producer's request id.
  if (result.rejected > 0)
    std::cerr << "api " << ctx.request_id << " publish by " << ctx.who->principal << ": "
              << result.accepted << " accepted, " << result.rejected << " rejected\n";
  send_json(res, result.to_json());
}

void quality(FeatureRoutes& r, const httplib::Request& req, httplib::Response& res,
             RequestContext&) {
  reject_unknown_params(req, {"days"});
  json out = json::array();
  for (const auto& q : r.store.quality(static_cast<int>(query_long(req, "days", 30, 1, 3650))))
    out.push_back(q.to_json());
  send_json(res, out);
}

void apply_catalog(FeatureRoutes& r, const httplib::Request& req, httplib::Response& res,
                   RequestContext&) {
  const JsonBody body(req.body, {"features"});
  send_json(res, r.store.apply_catalog_json(body.raw()).to_json());
}

int optional_days(const JsonBody& body, const std::string& name) {
  const auto* v = body.find(name);
  if (!v || v->is_null()) return -1;
  if (!v->is_number_integer() || v->get<long>() < 0 || v->get<long>() > 36500)
    throw Error(ErrorKind::invalid_input, name + ": must be an integer in 0..36500", name);
  return v->get<int>();
}

void maintain(FeatureRoutes& r, const httplib::Request& req, httplib::Response& res,
              RequestContext&) {
  // The export directory is the server's configuration, never a client's path.
  const JsonBody body(req.body, {"ahead_days", "retention_days"});
  app::MaintainRequest m;
  m.ahead_days = optional_days(body, "ahead_days");
  m.retention_days = optional_days(body, "retention_days");
  send_json(res, r.store.maintain(m).to_json());
}

}  // namespace

void add_feature_routes(Router& router, ApiContext& api) {
  auto routes = std::make_shared<FeatureRoutes>(api.services);
  const std::string p = kPrefix;
  const auto add = [&](bool post, const std::string& path, const char* endpoint, const char* scope,
                       FeatureHandler h) {
    auto handler = scoped(router, routes, endpoint, scope, std::move(h));
    // Every caller is at least a viewer: the scope, not the role, decides (spec 12).
    if (post)
      router.post(p + path, Access::viewer, std::move(handler));
    else
      router.get(p + path, Access::viewer, std::move(handler));
  };
  add(false, "/catalog", "catalog", kReader, catalog);
  add(false, "/latest", "latest", kReader, latest);
  add(true, "/query", "query", kReader, query);
  add(false, "/quality", "quality", kReader, quality);
  add(true, "/publish", "publish", kPublisher, publish);
  add(true, "/catalog", "catalog_apply", kAdmin, apply_catalog);
  add(true, "/maintain", "maintain", kAdmin, maintain);
  api.scrape_refreshers.push_back([routes] {
    routes->metrics.storage_size("postgres", static_cast<double>(routes->store.storage_bytes()));
  });
}

}  // namespace usdcop::server
