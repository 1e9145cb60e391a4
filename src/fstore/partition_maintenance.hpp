#pragma once
// `usdcop fs maintain`: which day partitions to create ahead and which to retire, and the
// retention export of a retired day to files {feature}/dt=YYYY-MM-DD/part-<tag>.csv.
#include <filesystem>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "fstore/feature_point.hpp"

namespace usdcop::fstore {

struct MaintenancePlan {
  std::vector<Date> create;  // today .. today + ahead_days, those missing
  std::vector<Date> retire;  // existing days before today - retention_days: export, then drop
};

MaintenancePlan plan_maintenance(const std::vector<Date>& existing, Date today, int ahead_days,
                                 int retention_days);

// Writes one CSV per feature (header feature_id,ts,value,confidence,meta,evidence; values
// round-trip exactly) through a temporary file, fsync and rename. Returns the files written.
// Throws Error(unavailable) naming the file when it cannot be written.
std::vector<std::filesystem::path> write_day_export(const std::filesystem::path& root, Date day,
                                                    const std::vector<FeaturePoint>& rows,
                                                    const std::string& tag);

// Reads back every row of the day's export files under root (all features, all parts), for
// verification and tests. Throws Error(invalid_input) on a malformed file.
std::vector<FeaturePoint> read_day_export(const std::filesystem::path& root, Date day);
std::vector<FeaturePoint> read_export_file(const std::filesystem::path& file);

}  // namespace usdcop::fstore

#include "fstore/feature_repository.hpp"

namespace usdcop::fstore {

struct MaintenanceOptions {
  int ahead_days = 7;
  int retention_days = 90;
  std::filesystem::path export_dir;
  std::string tag;  // export file tag (part-<tag>.csv); default: the run time
};

struct RetiredDay {
  Date day{};
  long rows = 0;
  std::vector<std::filesystem::path> files;
};

struct MaintenanceReport {
  std::vector<Date> created;
  std::vector<RetiredDay> retired;
  long partitions_after = 0;
  nlohmann::json to_json() const;
};

// The maintenance job: create the partitions ahead, then for each day past retention export
// its rows, verify the files (read back: same rows), and drop the partition. A failed export or
// verification leaves the partition in place (Error thrown).
MaintenanceReport maintain_partitions(FeatureRepository& repo, Date today,
                                      const MaintenanceOptions& options);

}  // namespace usdcop::fstore
