#pragma once
// The feature-store use cases (spec 10, docs/FEATURE_STORE.md) that the CLI (`usdcop fs ...`)
// and the HTTP server (/api/features/v1) both call. One FeatureStore per process door: it holds
// the repository on the Services' pool and one fstore::FeatureService, so the storage circuit
// breaker and the catalog cache are shared by every request of that door.
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fstore/feature_service.hpp"
#include "fstore/partition_maintenance.hpp"

namespace usdcop::store {
class PgFeatureRepository;
}

namespace usdcop::app {

class Services;

// config/usdcop.yaml `feature_store`.
struct FeatureStoreSettings {
  int retention_days = 90;
  int create_ahead_days = 7;
  std::filesystem::path export_dir;  // empty in the file: $USDCOP_HOME/feature-exports
  static FeatureStoreSettings load();
};

struct CatalogApplyReport {
  std::string source;  // the file, or "request body"
  long features = 0, created = 0, new_versions = 0, unchanged = 0;
  nlohmann::json to_json() const;
};

struct QualityRow {
  std::string feature_id;
  long received = 0;
  std::optional<double> coverage;
  fstore::QualityGates quality;
  nlohmann::json to_json() const;
};

struct MaintainRequest {
  int ahead_days = -1;               // < 0: settings.create_ahead_days
  int retention_days = -1;           // < 0: settings.retention_days
  std::filesystem::path export_dir;  // empty: settings.export_dir
};

class FeatureStore {
 public:
  // `services` must outlive the store; the service uses the Services' clock.
  explicit FeatureStore(Services& services,
                        FeatureStoreSettings settings = FeatureStoreSettings::load(),
                        fstore::StorageBreakerOptions breaker = {});
  ~FeatureStore();
  FeatureStore(const FeatureStore&) = delete;
  FeatureStore& operator=(const FeatureStore&) = delete;

  std::vector<fstore::FeatureSpec> catalog(const fstore::CatalogFilter& filter);
  // Every version of one feature, oldest first; Error(not_found) when it was never cataloged.
  std::vector<fstore::FeatureSpec> versions(const std::string& feature_id);
  // Applies a catalog file (default config/features.catalog.json).
  CatalogApplyReport apply_catalog_file(const std::filesystem::path& path);
  // Applies a catalog given as JSON ({"features": [...]} or a list, as the file); bad entries
  // are Error(invalid_input) naming the entry index and field; nothing is applied then.
  CatalogApplyReport apply_catalog_json(const nlohmann::json& body);

  fstore::PublishResult publish(const std::vector<fstore::FeaturePoint>& points);
  // A POST /publish body: per-index rejections; Error(invalid_input, field "body") when it is not
  // a list.
  fstore::PublishResult publish_json(const nlohmann::json& body);
  fstore::LatestResult latest(const std::string& feature_id);
  fstore::QueryResult query(const fstore::QueryRequest& request);
  // The quality gates of every active feature over the last `days`.
  std::vector<QualityRow> quality(int days);
  // The maintenance job: partitions ahead, export then drop past retention.
  fstore::MaintenanceReport maintain(const MaintainRequest& request);

  const FeatureStoreSettings& settings() const { return settings_; }
  fstore::FeatureService& service() { return *service_; }
  fstore::FeatureRepository& repository();
  // Total on-disk size of the fs schema's tables (feature_storage_size_bytes{layer="postgres"}).
  long storage_bytes();

 private:
  Services& services_;
  FeatureStoreSettings settings_;
  std::unique_ptr<store::PgFeatureRepository> repo_;
  std::unique_ptr<fstore::FeatureService> service_;
};

}  // namespace usdcop::app
