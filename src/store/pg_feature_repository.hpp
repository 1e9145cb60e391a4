#pragma once
// PostgreSQL implementation of fstore::FeatureRepository over the fs schema (migration 0011):
// the versioned catalog, day-partitioned values, the latest table, rejects and ingest counts,
// the read-only platform macro view, and partition maintenance through the owner's
// SECURITY DEFINER functions.
#include "fstore/feature_repository.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

class PgFeatureRepository final : public fstore::FeatureRepository {
 public:
  explicit PgFeatureRepository(ConnectionPool& pool) : pool_(pool) {}

  std::vector<fstore::FeatureSpec> catalog(const fstore::CatalogFilter& filter) override;
  std::vector<fstore::FeatureSpec> versions(const std::string& feature_id) override;
  fstore::CatalogApplyResult apply_catalog(const std::vector<fstore::FeatureSpec>& specs) override;

  fstore::PublishWriteOutcome write_points(const fstore::PublishWrite& write) override;

  std::optional<fstore::FeaturePoint> latest(const std::string& feature_id, Timestamp now) override;
  std::map<std::string, RangeRead> range(const std::vector<std::string>& feature_ids,
                                         Timestamp since, Timestamp until,
                                         std::size_t limit) override;
  std::map<std::string, fstore::IngestCounts> ingest_counts(
      const std::vector<std::string>& feature_ids, Date since_day) override;

  std::vector<Date> day_partitions() override;
  bool create_day_partition(Date day) override;
  long export_and_drop_day(Date day, const DayExporter& exporter) override;

  // On-disk bytes of the fs schema's tables, partitions and indexes (the PostgreSQL layer of
  // feature_storage_size_bytes).
  long storage_bytes();

 private:
  ConnectionPool& pool_;
};

}  // namespace usdcop::store
