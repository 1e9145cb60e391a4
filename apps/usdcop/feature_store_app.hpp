#pragma once
// Wiring of the feature store for the CLI: settings from config/usdcop.yaml (feature_store),
// the repository on the app database, and the service with the real clock.
#include <filesystem>
#include <memory>

#include "fstore/feature_service.hpp"
#include "store/connection_pool.hpp"
#include "store/pg_feature_repository.hpp"

namespace usdcop::cli {

struct FeatureStoreSettings {
  int retention_days = 90;
  int create_ahead_days = 7;
  std::filesystem::path export_dir;  // empty in the file: $USDCOP_HOME/feature-exports
  static FeatureStoreSettings load();
};

struct FeatureStoreHandle {
  FeatureStoreSettings settings;
  std::unique_ptr<store::PgFeatureRepository> repo;
  std::unique_ptr<fstore::FeatureService> service;
};

FeatureStoreHandle open_feature_store(store::ConnectionPool& pool);

}  // namespace usdcop::cli
