#pragma once
// The feature store's persistence port; store::PgFeatureRepository implements it.
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fstore/feature_point.hpp"
#include "fstore/feature_spec.hpp"
#include "fstore/quality_gates.hpp"

namespace usdcop::fstore {

struct CatalogApplyResult {
  long created = 0;       // features seen for the first time (version 1)
  long new_versions = 0;  // changed definitions: a new active version, the old one kept
  long unchanged = 0;
};

// A refused input as recorded (fs.publish_rejects): nothing is lost.
struct RejectedInput {
  std::size_t index = 0;
  std::string feature_id;  // as given ("" when unreadable)
  std::string reason;
  nlohmann::json raw;
};

struct PublishWrite {
  const std::vector<FeaturePoint>* points = nullptr;
  std::vector<std::size_t> candidates;  // indices of *points that passed the rules
  std::vector<RejectedInput> rejects;   // refused before writing
  // The batch index of points[i] (points parsed from a body skip unreadable elements).
  const std::vector<std::size_t>* original_index = nullptr;
};

struct PublishConflict {
  std::size_t index = 0;
  double stored_value = 0;
};

struct PublishWriteOutcome {
  long stored = 0;  // rows newly inserted (identical re-publication inserts none)
  std::vector<PublishConflict> conflicts;  // candidates refused against stored values
};

class FeatureRepository {
 public:
  virtual ~FeatureRepository() = default;

  // Active catalog versions matching the filter, by id.
  virtual std::vector<FeatureSpec> catalog(const CatalogFilter& filter) = 0;
  // Every version of one feature, oldest first.
  virtual std::vector<FeatureSpec> versions(const std::string& feature_id) = 0;
  virtual CatalogApplyResult apply_catalog(const std::vector<FeatureSpec>& specs) = 0;

  // One transaction: partitions for the candidates' days, conflicts, inserts, the latest
  // table, ingest counts and every reject (including the conflicts) recorded.
  virtual PublishWriteOutcome write_points(const PublishWrite& write) = 0;

  // The newest point; for platform macro inputs the newest with ts <= now.
  virtual std::optional<FeaturePoint> latest(const std::string& feature_id, Timestamp now) = 0;
  // Points with since <= ts < until, per feature in ts order (at most `limit` + 1 each, so the
  // caller can tell a truncated series), and the number in range.
  struct RangeRead {
    std::vector<FeaturePoint> points;
    long in_range = 0;
  };
  virtual std::map<std::string, RangeRead> range(const std::vector<std::string>& feature_ids,
                                                 Timestamp since, Timestamp until,
                                                 std::size_t limit) = 0;
  virtual std::map<std::string, IngestCounts> ingest_counts(
      const std::vector<std::string>& feature_ids, Date since_day) = 0;

  // Partition maintenance (through the owner's SECURITY DEFINER functions).
  virtual std::vector<Date> day_partitions() = 0;
  virtual bool create_day_partition(Date day) = 0;
  // Locks the day's partition against writes, hands its rows (by feature, ts) to `exporter`,
  // re-counts, and drops it in the same transaction. A throwing exporter drops nothing.
  // Returns the number of rows dropped.
  using DayExporter = std::function<void(const std::vector<FeaturePoint>& rows)>;
  virtual long export_and_drop_day(Date day, const DayExporter& exporter) = 0;
};

}  // namespace usdcop::fstore
