// store::PgFeatureStore: rows round-trip exactly (NaN <-> NULL), idempotent upserts, the
// checkpoint, input fingerprints and the single-writer lock.
#include <gtest/gtest.h>

#include <cmath>
#include <pqxx/pqxx>

#include "core/error.hpp"
#include "feature_test_support.hpp"
#include "features/feature_builder.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_feature_store.hpp"
#include "support/test_database.hpp"

using namespace usdcop;
using namespace usdcop::features;
using usdcop::feature_testing::same_bits;
using usdcop::testing::TestDatabase;

namespace {

std::vector<FeatureRow> sample_rows(int n) {
  FeatureBuilder b;
  MacroSnapshot m;
  for (int k = 0; k < kMacroFeatureCount; ++k)
    m.values[static_cast<std::size_t>(k)] = 0.1 * k - 0.25;
  m.values[2] = std::nan("");
  m.missing_mask = 1u << 2;  // vix_z missing
  std::vector<FeatureRow> rows;
  for (int i = 0; i < n; ++i) {
    const double c = 4000 + std::sin(i * 0.7) * 9.1;
    rows.push_back(b.update(usdcop::feature_testing::bar(i, c, c + 1.3, c - 0.9, c), m).to_row());
  }
  return rows;
}

}  // namespace

TEST(PgFeatureStore, RowsRoundTripExactlyAndUpsertsAreIdempotent) {
  TestDatabase db;
  store::PgFeatureStore fs(db.pool());
  const auto rows = sample_rows(70);
  auto w = fs.write(rows);
  EXPECT_EQ(w.inserted, 70);
  const auto back = fs.load(Timestamp::min(), Timestamp::max());
  ASSERT_EQ(back.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(back[i].time, rows[i].time);
    for (int k = 0; k < kMarketFeatureCount; ++k) {
      EXPECT_TRUE(same_bits(back[i].market[static_cast<std::size_t>(k)],
                            rows[i].market[static_cast<std::size_t>(k)]) ||
                  (std::isnan(back[i].market[static_cast<std::size_t>(k)]) &&
                   std::isnan(rows[i].market[static_cast<std::size_t>(k)])))
          << i << " " << k;
    }
    EXPECT_EQ(back[i].time_normalized, rows[i].time_normalized);
    EXPECT_EQ(back[i].complete, rows[i].complete);
    EXPECT_EQ(back[i].missing, rows[i].missing);
    EXPECT_EQ(back[i].builder_version, "1.0.0");
  }
  EXPECT_EQ(back[0].missing, (std::vector<std::string>{"log_ret_5m", "log_ret_1h", "log_ret_4h",
                                                       "adx_14", "vix_z", "warmup"}));
  {  // missing values are NULL in the table
    auto conn = db.pool().acquire();
    pqxx::nontransaction tx(*conn);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM features.inference_features_5m WHERE vix_z IS NULL")[0]
                  .as<long>(),
              70);
  }
  w = fs.write(rows);
  EXPECT_EQ(w.inserted, 0);
  EXPECT_EQ(w.unchanged, 70);
  auto changed = rows;
  changed[5].market[kRsi9] += 1.0;
  w = fs.write(changed);
  EXPECT_EQ(w.updated, 1);
  EXPECT_EQ(w.unchanged, 69);
  EXPECT_EQ(fs.at(rows[5].time)->market[kRsi9], changed[5].market[kRsi9]);
  EXPECT_FALSE(fs.at(rows[5].time + std::chrono::minutes{1}).has_value());
}

TEST(PgFeatureStore, CheckpointAndFingerprints) {
  TestDatabase db;
  store::PgFeatureStore fs(db.pool());
  EXPECT_FALSE(fs.load_checkpoint().has_value());
  BuilderCheckpoint c;
  c.first_bar = usdcop::feature_testing::session_time(0);
  c.last_bar = usdcop::feature_testing::session_time(9);
  c.bar_count = 10;
  c.state = "{\"x\":1}";
  c.bars_fingerprint = "a";
  c.macro_fingerprint = "b";
  fs.save_checkpoint(c);
  c.bar_count = 11;
  fs.save_checkpoint(c);
  const auto got = fs.load_checkpoint();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->bar_count, 11);
  EXPECT_EQ(got->last_bar, c.last_bar);
  EXPECT_EQ(got->state, c.state);

  store::PgBarStore bars(db.pool());
  std::vector<market::Bar> first;
  for (int i = 5; i < 10; ++i) first.push_back(usdcop::feature_testing::flat(i, 4000 + i));
  bars.write_bars(first, "test", false);
  const std::string fp = fs.bars_fingerprint(c.last_bar);
  EXPECT_EQ(fs.bars_fingerprint(c.last_bar), fp);
  bars.write_bars({usdcop::feature_testing::flat(20, 4100)}, "test", false);  // later: no change
  EXPECT_EQ(fs.bars_fingerprint(c.last_bar), fp);
  bars.write_bars({usdcop::feature_testing::flat(1, 3990)}, "test", false);  // earlier bar
  const std::string fp2 = fs.bars_fingerprint(c.last_bar);
  EXPECT_NE(fp2, fp);
  bars.write_bars({usdcop::feature_testing::flat(7, 1.0)}, "test", true);  // replaced bar
  EXPECT_NE(fs.bars_fingerprint(c.last_bar), fp2);
  const std::string mfp = fs.macro_fingerprint();
  EXPECT_EQ(fs.macro_fingerprint(), mfp);
}

TEST(PgFeatureStore, SecondWriterIsRefused) {
  TestDatabase db;
  std::optional<store::FeatureWriterLock> first;
  first.emplace(db.pool());
  try {
    store::FeatureWriterLock second(db.pool());
    FAIL() << "a second writer got the lock";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
    EXPECT_NE(std::string(e.what()).find("another features build is running"), std::string::npos);
  }
  first.reset();
  EXPECT_NO_THROW(store::FeatureWriterLock again(db.pool()));
}
