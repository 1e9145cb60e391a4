// The maintenance plan and the export files, without a database.
#include <gtest/gtest.h>

#include <unistd.h>

#include "fstore/partition_maintenance.hpp"

using namespace usdcop;
using namespace usdcop::fstore;

namespace {
Date d(const char* s) {
  return parse_date_or_throw(s, "d");
}
}  // namespace

TEST(MaintenancePlan, CreatesAheadAndRetiresPastRetention) {
  const std::vector<Date> existing{d("2025-01-01"), d("2025-01-02"), d("2025-01-10"),
                                   d("2025-01-11")};
  const auto plan = plan_maintenance(existing, d("2025-01-11"), 2, 8);
  EXPECT_EQ(plan.create, (std::vector<Date>{d("2025-01-12"), d("2025-01-13")}));
  EXPECT_EQ(plan.retire, (std::vector<Date>{d("2025-01-01"), d("2025-01-02")}));  // < 2025-01-03
}

TEST(DayExport, WritesOneFilePerFeatureAndReadsBackExactly) {
  const auto root =
      std::filesystem::temp_directory_path() / ("fs_export_" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::vector<FeaturePoint> rows;
  for (int i = 0; i < 3; ++i) {
    FeaturePoint p;
    p.feature_id = i < 2 ? "cex/agg/perp_oi_usd" : "macro/us/rrp_total_usd";
    p.ts = utc_midnight(d("2025-01-01")) + std::chrono::hours(i);
    p.value = 0.1 + i / 3.0;  // not exactly representable in short decimal
    p.confidence = 0.75;
    p.meta = {{"note", "a \"quoted\", comma"}};
    p.evidence = {{"src", "ref,1", p.ts}};
    rows.push_back(p);
  }
  const auto files = write_day_export(root, d("2025-01-01"), rows, "t1");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0], root / "cex/agg/perp_oi_usd" / "dt=2025-01-01" / "part-t1.csv");
  const auto back = read_day_export(root, d("2025-01-01"));
  ASSERT_EQ(back.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(back[i].feature_id, rows[i].feature_id);
    EXPECT_EQ(back[i].ts, rows[i].ts);
    EXPECT_EQ(back[i].value, rows[i].value);  // bit-exact
    EXPECT_EQ(back[i].meta, rows[i].meta);
    EXPECT_EQ(back[i].evidence[0].ref, "ref,1");
  }
  std::filesystem::remove_all(root);
}
