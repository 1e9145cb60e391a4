#include "app/feature_store.hpp"

#include <set>

#include "app/services.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "store/pg_cluster.hpp"
#include "store/pg_feature_repository.hpp"

namespace usdcop::app {

using nlohmann::json;

FeatureStoreSettings FeatureStoreSettings::load() {
  const auto cfg = load_config_file("usdcop.yaml")["feature_store"];
  const std::string where = "usdcop.yaml: feature_store";
  FeatureStoreSettings s;
  s.retention_days = value_or<int>(cfg, "retention_days", 90, where);
  s.create_ahead_days = value_or<int>(cfg, "create_ahead_days", 7, where);
  const auto dir = value_or<std::string>(cfg, "export_dir", "", where);
  s.export_dir =
      dir.empty() ? store::usdcop_home() / "feature-exports" : std::filesystem::path(dir);
  return s;
}

json CatalogApplyReport::to_json() const {
  return {{"source", source},
          {"features", features},
          {"created", created},
          {"new_versions", new_versions},
          {"unchanged", unchanged}};
}

json QualityRow::to_json() const {
  return {{"featureId", feature_id},
          {"received", received},
          {"coverage", coverage ? json(*coverage) : json(nullptr)},
          {"quality", quality.to_json()}};
}

FeatureStore::FeatureStore(Services& services, FeatureStoreSettings settings,
                           fstore::StorageBreakerOptions breaker)
    : services_(services),
      settings_(std::move(settings)),
      repo_(std::make_unique<store::PgFeatureRepository>(services.pool())) {
  fstore::FeatureServiceOptions opts;
  opts.retention_days = settings_.retention_days;
  opts.breaker = breaker;
  service_ = std::make_unique<fstore::FeatureService>(*repo_, services.clock(), opts);
}

FeatureStore::~FeatureStore() = default;

fstore::FeatureRepository& FeatureStore::repository() {
  return *repo_;
}

std::vector<fstore::FeatureSpec> FeatureStore::catalog(const fstore::CatalogFilter& filter) {
  return service_->catalog(filter);
}

std::vector<fstore::FeatureSpec> FeatureStore::versions(const std::string& feature_id) {
  auto v = repo_->versions(feature_id);
  if (v.empty())
    throw Error(ErrorKind::not_found, "feature '" + feature_id + "' is not in the catalog",
                "featureId");
  return v;
}

namespace {
CatalogApplyReport report_of(std::string source, std::size_t n,
                             const fstore::CatalogApplyResult& r) {
  return {std::move(source), static_cast<long>(n), r.created, r.new_versions, r.unchanged};
}
}  // namespace

CatalogApplyReport FeatureStore::apply_catalog_file(const std::filesystem::path& path) {
  const auto specs = fstore::load_catalog_file(path);
  return report_of(path.string(), specs.size(), repo_->apply_catalog(specs));
}

CatalogApplyReport FeatureStore::apply_catalog_json(const json& body) {
  const json* list = &body;
  if (body.is_object() && body.contains("features")) list = &body["features"];
  if (!list->is_array())
    throw Error(ErrorKind::invalid_input, "features: must be a list of feature specs", "features");
  std::vector<fstore::FeatureSpec> specs;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto where = "features[" + std::to_string(i) + "]";
    auto spec = fstore::FeatureSpec::from_json((*list)[i], where);
    if (!ids.insert(spec.id).second)
      throw Error(ErrorKind::invalid_input, where + ": duplicate id '" + spec.id + "'", where);
    specs.push_back(std::move(spec));
  }
  return report_of("request body", specs.size(), repo_->apply_catalog(specs));
}

fstore::PublishResult FeatureStore::publish(const std::vector<fstore::FeaturePoint>& points) {
  return service_->publish(points);
}

fstore::PublishResult FeatureStore::publish_json(const json& body) {
  if (!body.is_array())
    throw Error(ErrorKind::invalid_input, "body: must be a list of feature points", "body");
  return service_->publish_json(body);
}

fstore::LatestResult FeatureStore::latest(const std::string& feature_id) {
  return service_->latest(feature_id);
}

fstore::QueryResult FeatureStore::query(const fstore::QueryRequest& request) {
  return service_->query(request);
}

std::vector<QualityRow> FeatureStore::quality(int days) {
  if (days < 1 || days > 3650)
    throw Error(ErrorKind::invalid_input, "days: must be in 1..3650", "days");
  fstore::QueryRequest q;
  for (const auto& s : service_->catalog({})) q.feature_ids.push_back(s.id);
  std::vector<QualityRow> out;
  if (q.feature_ids.empty()) return out;
  q.until = service_->now();
  q.since = *q.until - std::chrono::days(days);
  q.limit = 100000;
  for (auto& f : service_->query(q).features)
    out.push_back({f.feature_id, f.received, f.coverage, f.quality});
  return out;
}

fstore::MaintenanceReport FeatureStore::maintain(const MaintainRequest& request) {
  fstore::MaintenanceOptions m;
  m.ahead_days = request.ahead_days >= 0 ? request.ahead_days : settings_.create_ahead_days;
  m.retention_days =
      request.retention_days >= 0 ? request.retention_days : settings_.retention_days;
  m.export_dir = request.export_dir.empty() ? settings_.export_dir : request.export_dir;
  const auto today = std::chrono::floor<std::chrono::days>(services_.clock().now());
  return fstore::maintain_partitions(*repo_, today, m);
}

long FeatureStore::storage_bytes() {
  return repo_->storage_bytes();
}

}  // namespace usdcop::app
