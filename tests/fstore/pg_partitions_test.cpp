// Partition maintenance: created ahead through the owner's SECURITY DEFINER functions, a value
// for tomorrow lands in the partition created ahead, retention exports a day and drops it, and
// the export holds exactly the dropped rows.
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>

#include "fs_db_support.hpp"
#include "fstore/partition_maintenance.hpp"

using namespace usdcop;
using namespace usdcop::fstore;
using usdcop::fs_testing::FsFixture;
using usdcop::fs_testing::point;

namespace {

Date d(const char* s) {
  return parse_date_or_throw(s, "d");
}

bool has(const std::vector<Date>& days, Date day) {
  return std::find(days.begin(), days.end(), day) != days.end();
}

std::filesystem::path temp_root(const char* name) {
  auto p = std::filesystem::temp_directory_path() /
           (std::string(name) + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  return p;
}

}  // namespace

TEST(PgPartitions, TomorrowsValueLandsInThePartitionCreatedAhead) {
  FsFixture f;
  f.now = parse_timestamp_or_throw("2025-06-02T23:58:00Z", "now");
  MaintenanceOptions m;
  m.ahead_days = 2;
  m.retention_days = 30;
  m.export_dir = temp_root("fs_ahead");
  const auto report = maintain_partitions(f.repo, d("2025-06-02"), m);
  EXPECT_EQ(report.created, (std::vector<Date>{d("2025-06-02"), d("2025-06-03"), d("2025-06-04")}));
  const auto before = f.repo.day_partitions();
  ASSERT_TRUE(has(before, d("2025-06-03")));
  // 00:02 tomorrow is within the 5-minute future tolerance of 23:58 today.
  const auto r = f.service.publish(
      {point("cex/agg/perp_oi_usd", parse_timestamp_or_throw("2025-06-03T00:02:00Z", "t"), 3e10)});
  ASSERT_EQ(r.stored, 1) << (r.errors.empty() ? "" : r.errors[0].reason);
  EXPECT_EQ(f.text("SELECT tableoid::regclass::text FROM fs.features_values"),
            "fs.features_values_p20250603");
  EXPECT_EQ(f.repo.day_partitions(), before);  // publish created nothing
  // A second run creates nothing new.
  EXPECT_TRUE(maintain_partitions(f.repo, d("2025-06-02"), m).created.empty());
}

TEST(PgPartitions, RetentionExportsThenDropsADayAndTheFileHoldsExactlyTheDroppedRows) {
  FsFixture f;
  const Timestamp old_day = utc_midnight(d("2025-04-20"));
  const Timestamp kept_day = utc_midnight(d("2025-05-20"));
  std::vector<FeaturePoint> pts;
  for (int h = 0; h < 3; ++h) {
    auto p = point("cex/agg/perp_oi_usd", old_day + std::chrono::hours(h), 3e10 + h * 0.1);
    p.meta = {{"h", h}};
    p.confidence = 0.9;
    pts.push_back(p);
    pts.push_back(
        point("dex/agg/active_liquidity_usd", old_day + std::chrono::hours(h), 4e9 / 3.0 + h));
    pts.push_back(point("dex/agg/active_liquidity_usd", kept_day + std::chrono::hours(h), 4e9));
  }
  ASSERT_EQ(f.service.publish(pts).stored, 9);
  const long total = f.count("SELECT count(*) FROM fs.features_values");
  MaintenanceOptions m;
  m.ahead_days = 1;
  m.retention_days = 30;  // horizon 2025-05-03: retires 2025-04-20 only
  m.export_dir = temp_root("fs_retention");
  m.tag = "test";
  const auto report = maintain_partitions(f.repo, d("2025-06-02"), m);
  ASSERT_EQ(report.retired.size(), 1u);
  EXPECT_EQ(report.retired[0].day, d("2025-04-20"));
  EXPECT_EQ(report.retired[0].rows, 6);
  EXPECT_EQ(report.retired[0].files.size(), 2u);
  EXPECT_TRUE(
      std::filesystem::exists(m.export_dir / "cex/agg/perp_oi_usd/dt=2025-04-20/part-test.csv"));
  EXPECT_FALSE(has(f.repo.day_partitions(), d("2025-04-20")));
  EXPECT_EQ(f.text("SELECT coalesce(to_regclass('fs.features_values_p20250420')::text, '')"), "");
  EXPECT_EQ(f.count("SELECT count(*) FROM fs.features_values"), total - 6);
  // The export holds exactly the dropped rows: the published points of that day, bit for bit.
  auto exported = read_day_export(m.export_dir, d("2025-04-20"));
  std::vector<FeaturePoint> dropped;
  for (const auto& p : pts)
    if (p.ts < kept_day) dropped.push_back(p);
  const auto key = [](const FeaturePoint& a, const FeaturePoint& b) {
    return std::tie(a.feature_id, a.ts) < std::tie(b.feature_id, b.ts);
  };
  std::sort(dropped.begin(), dropped.end(), key);
  std::sort(exported.begin(), exported.end(), key);
  ASSERT_EQ(exported.size(), dropped.size());
  for (std::size_t i = 0; i < dropped.size(); ++i) {
    EXPECT_EQ(exported[i].feature_id, dropped[i].feature_id);
    EXPECT_EQ(exported[i].ts, dropped[i].ts);
    EXPECT_EQ(exported[i].value, dropped[i].value);
    EXPECT_EQ(exported[i].confidence, dropped[i].confidence);
    EXPECT_EQ(exported[i].meta, dropped[i].meta);
  }
  // Nothing else to retire on a second run; the kept day is still there.
  EXPECT_TRUE(maintain_partitions(f.repo, d("2025-06-02"), m).retired.empty());
  EXPECT_TRUE(has(f.repo.day_partitions(), d("2025-05-20")));
  std::filesystem::remove_all(m.export_dir);
}

TEST(PgPartitions, AFailedExportKeepsThePartition) {
  FsFixture f;
  ASSERT_EQ(
      f.service.publish({point("cex/agg/perp_oi_usd", utc_midnight(d("2025-04-20")), 3e10)}).stored,
      1);
  EXPECT_THROW(
      f.repo.export_and_drop_day(
          d("2025-04-20"), [](const auto&) { throw Error(ErrorKind::unavailable, "disk full"); }),
      Error);
  EXPECT_TRUE(has(f.repo.day_partitions(), d("2025-04-20")));
  EXPECT_EQ(f.count("SELECT count(*) FROM fs.features_values"), 1);
}

TEST(PgPartitions, PartitionDdlRunsWithTheOwnersRights) {
  FsFixture f;
  EXPECT_EQ(f.count("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                    "WHERE n.nspname = 'fs' AND p.proname IN ('create_day_partition', "
                    "'drop_day_partition') AND p.prosecdef"),
            2);
  // The application role (the fixture's pool) may not create tables in fs, yet gets a
  // partition through the function, and may read and lock that partition (retention export).
  EXPECT_EQ(f.count("SELECT count(*) FROM pg_namespace WHERE nspname = 'fs' AND "
                    "has_schema_privilege(current_user, oid, 'CREATE')"),
            0);
  {
    auto conn = f.db.pool().acquire();
    pqxx::work tx(*conn);
    EXPECT_TRUE(tx.exec1("SELECT fs.create_day_partition('2031-01-02')")[0].as<bool>());
    {
      pqxx::subtransaction sub(tx);
      EXPECT_THROW(sub.exec("CREATE TABLE fs.not_allowed (x int)"), pqxx::sql_error);
    }
    tx.exec("LOCK TABLE fs.features_values_p20310102 IN EXCLUSIVE MODE");
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM fs.features_values_p20310102")[0].as<long>(), 0);
    tx.commit();
  }
  EXPECT_TRUE(has(f.repo.day_partitions(), d("2031-01-02")));
}
