// Spec 01 / issue acceptance on the real files in ../shared/data.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "market/csv_source.hpp"
#include "store/pg_bar_store.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

using namespace usdcop;
using namespace usdcop::market;

namespace {
BarImportReport import_file(store::PgBarStore& bars, const std::string& name,
                            bool replace = false) {
  BarImporter importer(bars, {"csv:" + name, replace, 0.05});
  read_bar_csv(usdcop::testing::shared_data(name), importer);
  return importer.finish();
}
long count(usdcop::testing::TestDatabase& db, const std::string& sql) {
  auto conn = db.pool().acquire();
  pqxx::nontransaction tx(*conn);
  return tx.exec1(sql)[0].as<long>();
}
}  // namespace

TEST(RealDataImport, CleanFileAcceptsEveryBarAndReimportChangesNothing) {
  usdcop::testing::TestDatabase db;
  store::PgBarStore bars(db.pool());
  const auto first = import_file(bars, "usdcop_m5_dev.csv.gz");
  EXPECT_EQ(first.rows_read, 82206);
  EXPECT_EQ(first.inserted, 82206);
  EXPECT_EQ(first.rejected, 0) << first.summary();
  EXPECT_EQ(count(db, "SELECT count(*) FROM market.usdcop_m5_ohlcv"), 82206);
  // Bars on Colombian holidays are accepted and flagged (docs/DATA_QUALITY.md).
  EXPECT_GT(first.flagged_by_rule.at("holiday"), 0);

  const auto second = import_file(bars, "usdcop_m5_dev.csv.gz");
  EXPECT_EQ(second.inserted, 0);
  EXPECT_EQ(second.identical, 82206);
  EXPECT_EQ(second.replaced, 0);
  EXPECT_EQ(second.rejected, 0);
  EXPECT_EQ(second.flagged, 0);
  EXPECT_TRUE(second.changed_nothing());
  EXPECT_NE(second.summary().find("nothing changed"), std::string::npos);
  EXPECT_EQ(count(db, "SELECT count(*) FROM market.usdcop_m5_ohlcv"), 82206);
}

TEST(RealDataImport, RawExportRejectsOutOfSessionAndKeepsCleanRows) {
  usdcop::testing::TestDatabase db;
  store::PgBarStore bars(db.pool());
  import_file(bars, "usdcop_m5_dev.csv.gz");
  const auto before = bars.load_bars(Timestamp{}, Timestamp::max());

  const auto raw = import_file(bars, "usdcop_m5_raw_dev.csv.gz");
  EXPECT_EQ(raw.rows_read, 82842);
  // The 63 days stamped in local time land at 08:00-12:55 UTC: out of session.
  ASSERT_TRUE(raw.rejected_by_reason.count("out_of_session"));
  EXPECT_GE(raw.rejected_by_reason.at("out_of_session"), 1500);
  EXPECT_EQ(count(db, "SELECT count(*) FROM market.rejected_bars WHERE reason = 'out_of_session'"),
            raw.rejected_by_reason.at("out_of_session"));
  // Rows that differ from stored clean rows are conflicts, not overwrites.
  EXPECT_EQ(raw.replaced, 0);

  const auto after = bars.load_bars(Timestamp{}, Timestamp::max());
  ASSERT_GE(after.size(), before.size());
  size_t j = 0;
  for (const Bar& b : before) {
    while (j < after.size() && after[j].time < b.time) ++j;
    ASSERT_LT(j, after.size());
    ASSERT_EQ(after[j].time, b.time);
    ASSERT_TRUE(after[j].same_values(b)) << "clean bar changed at " << format_rfc3339(b.time);
  }
  // Every raw row is accounted for.
  EXPECT_EQ(raw.inserted + raw.identical + raw.duplicates_in_input + raw.rejected, raw.rows_read);
}
