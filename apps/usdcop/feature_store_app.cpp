#include "feature_store_app.hpp"

#include "core/config.hpp"
#include "store/pg_cluster.hpp"

namespace usdcop::cli {

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

FeatureStoreHandle open_feature_store(store::ConnectionPool& pool) {
  FeatureStoreHandle h;
  h.settings = FeatureStoreSettings::load();
  h.repo = std::make_unique<store::PgFeatureRepository>(pool);
  fstore::FeatureServiceOptions opts;
  opts.retention_days = h.settings.retention_days;
  h.service = std::make_unique<fstore::FeatureService>(*h.repo, system_clock(), opts);
  return h;
}

}  // namespace usdcop::cli
