// Issue 13 item 1 (needed by issue 11's fault suite): bars committed while `features build`
// runs must be built by the next build. The checkpoint fingerprints the bars the build loaded
// (one snapshot), not the table at save time.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "app/feature_build.hpp"
#include "feature_test_support.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_feature_store.hpp"
#include "support/test_database.hpp"

using namespace usdcop;
using usdcop::feature_testing::flat;

namespace {

std::vector<market::Bar> bars_between(int first, int last) {
  std::vector<market::Bar> out;
  for (int i = first; i < last; ++i) out.push_back(flat(i, 4000 + 0.5 * (i % 37)));
  return out;
}

// time -> the 13 market features, as text (NULLs included), of every stored row.
std::vector<std::string> stored_rows(usdcop::testing::TestDatabase& db) {
  std::vector<std::string> out;
  for (const auto& r : store::PgFeatureStore(db.pool()).load(Timestamp{}, Timestamp::max())) {
    std::string line = format_rfc3339(r.time);
    for (double v : r.market) {
      line += ',';
      line += std::isnan(v) ? std::string("nan") : std::to_string(v);
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace

TEST(FeatureCheckpoint, BarsCommittedDuringABuildAreBuiltByTheNextOne) {
  usdcop::testing::TestDatabase db;
  store::PgBarStore bars(db.pool());
  bars.write_bars(bars_between(300, 600), "test", false);  // weeks 2-3 first

  // While the build folds weeks 2-3, the earlier week 1 is committed by another writer.
  app::FeatureBuildRequest options;
  options.after_load = [&] {
    store::PgBarStore(db.pool()).write_bars(bars_between(0, 300), "test", false);
  };
  const auto first = app::build_features(db.pool(), options);
  EXPECT_EQ(first.bars_folded, 300);

  const auto second = app::build_features(db.pool(), {});
  EXPECT_EQ(second.mode, "rebuild") << second.reason;
  EXPECT_EQ(second.bars_folded, 600);

  // Equal to a clean build over all the bars.
  usdcop::testing::TestDatabase clean;
  store::PgBarStore(clean.pool()).write_bars(bars_between(0, 600), "test", false);
  (void)app::build_features(clean.pool(), {});
  const auto got = stored_rows(db);
  EXPECT_EQ(got.size(), 600u);
  EXPECT_EQ(got, stored_rows(clean));
}
