// PgDataQuality: per-day counts, rejects and flags read back from a real database, with open
// bounds (Timestamp::min()/max()) accepted rather than overflowing PostgreSQL's range.
#include <gtest/gtest.h>

#include "core/calendar.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_data_quality.hpp"
#include "support/test_database.hpp"

using namespace usdcop;
using namespace usdcop::market;
using namespace usdcop::store;

TEST(PgDataQuality, CountsRejectsAndFlagsWithOpenBounds) {
  usdcop::testing::TestDatabase db;
  PgBarStore bars(db.pool());
  const Date day = parse_date_or_throw("2024-03-04", "day");
  std::vector<Bar> session;
  for (Timestamp t : session_bar_times(day)) {
    if (session.size() == 58) break;  // two bars missing
    Bar b;
    b.time = t;
    b.open = b.high = b.low = b.close = 3900.0;
    session.push_back(b);
  }
  bars.write_bars(session, "test", false);
  RejectedBar reject;
  reject.source = "test";
  reject.line = 3;
  reject.raw = "garbage";
  reject.reason = "malformed";
  BarImportBatch batch;
  batch.rejects = {reject, reject};
  batch.flags = {BarFlag{session[10].time, "jump", 0.07, "close-to-close"}};
  bars.write_import(batch, {});

  PgDataQuality quality(db.pool());
  const auto counts = quality.bar_counts_by_day(Timestamp::min(), Timestamp::max());
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].bars, 58);
  const auto rejects = quality.rejected_by_reason(Timestamp::min(), Timestamp::max());
  // Rejects without a parsable time are counted by when they were rejected, and say so.
  ASSERT_EQ(rejects.count("malformed (no time)"), 1u);
  EXPECT_EQ(rejects.at("malformed (no time)"), 2);
  const auto flags = quality.bar_flags(Timestamp::min(), Timestamp::max());
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].rule, "jump");
  EXPECT_EQ(flags[0].time, session[10].time);
  // A window that excludes the day sees nothing.
  EXPECT_TRUE(quality.bar_counts_by_day(Timestamp::min(), session.front().time).empty());
}
