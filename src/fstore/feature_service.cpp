#include "fstore/feature_service.hpp"

#include <algorithm>
#include <type_traits>

#include "core/error.hpp"
#include "fstore/publish_rules.hpp"

namespace usdcop::fstore {

FeatureService::FeatureService(FeatureRepository& repo, const Clock& clock,
                               FeatureServiceOptions options)
    : repo_(repo), clock_(clock), options_(options), breaker_(clock, options.breaker) {}

template <class F>
auto FeatureService::storage(F&& call) -> decltype(call()) {
  breaker_.before_call();
  try {
    if constexpr (std::is_void_v<decltype(call())>) {
      call();
      breaker_.record(true);
    } else {
      auto result = call();
      breaker_.record(true);
      return result;
    }
  } catch (const Error& e) {
    breaker_.record(e.kind() != ErrorKind::unavailable);
    throw;
  } catch (const std::exception&) {  // a database error the repository did not classify
    breaker_.record(false);
    throw;
  }
}

std::shared_ptr<const FeatureCatalog> FeatureService::fresh_catalog(bool force) {
  std::lock_guard lock(catalog_mutex_);
  const auto t = std::chrono::steady_clock::now();
  if (force || !catalog_ || t - catalog_loaded_ > options_.catalog_refresh) {
    catalog_ = std::make_shared<const FeatureCatalog>(storage([&] { return repo_.catalog({}); }));
    catalog_loaded_ = t;
  }
  return catalog_;
}

FeatureSpec FeatureService::require_spec(const std::string& id) {
  auto cat = fresh_catalog();
  const FeatureSpec* spec = cat->find(id);
  if (!spec) {
    cat = fresh_catalog(true);  // a feature added a moment ago
    spec = cat->find(id);
  }
  if (!spec) throw Error(ErrorKind::not_found, "feature '" + id + "' is not in the catalog");
  return *spec;
}

std::vector<FeatureSpec> FeatureService::catalog(const CatalogFilter& filter) {
  return storage([&] { return repo_.catalog(filter); });
}

PublishResult FeatureService::publish(const std::vector<FeaturePoint>& points) {
  std::vector<std::size_t> identity(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) identity[i] = i;
  return publish_screened(points, {}, identity);
}

PublishResult FeatureService::publish_json(const nlohmann::json& body) {
  if (!body.is_array())
    throw Error(ErrorKind::invalid_input, "publish: the body must be a list of feature points");
  std::vector<FeaturePoint> points;
  std::vector<std::size_t> original;
  std::vector<RejectedInput> rejects;
  for (std::size_t i = 0; i < body.size(); ++i) {
    std::string why;
    if (auto p = point_from_json(body[i], &why)) {
      points.push_back(std::move(*p));
      original.push_back(i);
    } else {
      const auto& e = body[i];
      const std::string id = e.is_object() && e.contains("featureId") && e["featureId"].is_string()
                                 ? e["featureId"].get<std::string>()
                                 : "";
      rejects.push_back({i, id, why, e});
    }
  }
  return publish_screened(points, std::move(rejects), original);
}

PublishResult FeatureService::publish_screened(const std::vector<FeaturePoint>& points,
                                               std::vector<RejectedInput> rejects,
                                               const std::vector<std::size_t>& original) {
  const Timestamp now = clock_.now();
  PublishLimits limits;
  limits.future_tolerance = options_.future_tolerance;
  limits.retention_horizon = utc_midnight(std::chrono::floor<std::chrono::days>(now)) -
                             std::chrono::days(options_.retention_days);
  auto cat = fresh_catalog();
  auto screened = screen_points(points, *cat, now, limits);
  const bool unknown_seen =
      std::any_of(screened.errors.begin(), screened.errors.end(),
                  [](auto& e) { return e.reason.starts_with("featureId: unknown"); });
  if (unknown_seen) {  // the catalog may have changed since the snapshot
    cat = fresh_catalog(true);
    screened = screen_points(points, *cat, now, limits);
  }
  for (const auto& e : screened.errors)
    rejects.push_back(
        {original[e.index], points[e.index].feature_id, e.reason, points[e.index].to_json()});

  PublishWrite write;
  write.points = &points;
  write.candidates = screened.candidates;
  write.rejects = rejects;
  // Conflicts come back by index into `points`; the store records them with original[index].
  write.original_index = &original;
  const auto outcome = storage([&] { return repo_.write_points(write); });

  PublishResult result;
  for (const auto& r : rejects) result.errors.push_back({r.index, r.reason});
  for (const auto& c : outcome.conflicts)
    result.errors.push_back({original[c.index], conflicting_duplicate_reason(c.stored_value)});
  std::sort(result.errors.begin(), result.errors.end(),
            [](const PublishError& a, const PublishError& b) { return a.index < b.index; });
  result.rejected = static_cast<long>(result.errors.size());
  result.accepted = static_cast<long>(screened.candidates.size() - outcome.conflicts.size());
  result.stored = outcome.stored;
  result.unchanged = result.accepted - result.stored;
  return result;
}

LatestResult FeatureService::latest(const std::string& feature_id) {
  const auto spec = require_spec(feature_id);
  const Timestamp now = clock_.now();
  return make_latest(spec, storage([&] { return repo_.latest(feature_id, now); }), now);
}

QueryResult FeatureService::query(const QueryRequest& request) {
  std::vector<FeatureSpec> specs;
  for (const auto& id : request.feature_ids) specs.push_back(require_spec(id));
  const Timestamp now = clock_.now();
  QueryResult result;
  result.agg = request.agg;
  result.until = request.until.value_or(now);
  result.since = request.since.value_or(result.until - options_.default_query_span);
  if (!(result.since < result.until))
    throw Error(ErrorKind::invalid_input, "query: field 'since' must be before 'until'");
  auto rows = storage(
      [&] { return repo_.range(request.feature_ids, result.since, result.until, request.limit); });
  const Date failure_since =
      std::chrono::floor<std::chrono::days>(now) - options_.quality_failure_window;
  const auto counts =
      storage([&] { return repo_.ingest_counts(request.feature_ids, failure_since); });
  for (const auto& spec : specs) {
    FeatureSeries s;
    s.feature_id = spec.id;
    auto& read = rows[spec.id];
    s.received = read.in_range;
    s.truncated = read.points.size() > request.limit;
    if (s.truncated) read.points.resize(request.limit);
    if (const auto expected = expected_points(spec.frequency, result.since, result.until))
      s.coverage = *expected > 0 ? std::min(1.0, static_cast<double>(s.received) / *expected) : 1.0;
    std::optional<Timestamp> newest;
    if (!read.points.empty()) newest = read.points.back().ts;
    if (!newest || result.until < now) {
      if (auto l = storage([&] { return repo_.latest(spec.id, now); })) newest = l->ts;
    }
    const auto c = counts.contains(spec.id) ? counts.at(spec.id) : IngestCounts{};
    s.quality = evaluate_quality(spec, read.points, s.coverage, newest, c, now);
    if (request.agg == Aggregation::none)
      s.points = std::move(read.points);
    else
      s.buckets = aggregate(read.points, request.agg, *request.interval);
    result.features.push_back(std::move(s));
  }
  return result;
}

}  // namespace usdcop::fstore
