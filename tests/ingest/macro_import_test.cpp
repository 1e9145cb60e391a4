// The real macro master file: delays applied, nothing flagged, as-of visibility exact.
#include <gtest/gtest.h>

#include "market/csv_source.hpp"
#include "store/pg_macro_store.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"
#include "support/test_tokens.hpp"

using namespace usdcop;
using namespace usdcop::market;

TEST(MacroImport, RealMasterFileWithPublicationDelays) {
  usdcop::testing::TestDatabase db;
  store::PgMacroStore store(db.pool());
  const auto catalog = MacroCatalog::load();
  MacroImporter importer(store, catalog, "csv:macro_daily_dev.csv.gz");
  read_macro_csv(usdcop::testing::shared_data("macro_daily_dev.csv.gz"), catalog, importer);
  const auto report = importer.finish();
  EXPECT_GT(report.inserted, 30000);
  EXPECT_EQ(report.rejected, 0);
  EXPECT_EQ(report.flagged, 0) << report.summary();  // genuine moves stay inside the bounds

  // A daily value dated D is not visible at D 17:55 UTC and is visible at the first bar of D+1.
  MacroSeries dxy(store.load_variable("dxy"));
  const auto& obs = dxy.observations();
  ASSERT_GT(obs.size(), 1000u);
  const MacroObservation& d = obs[500];
  const Timestamp last_bar_of_d =
      cot_midnight(d.observation_date) + std::chrono::hours{12} + std::chrono::minutes{55};
  const auto at_d = dxy.as_of(last_bar_of_d);
  ASSERT_TRUE(at_d);
  EXPECT_LT(at_d->observation_date, d.observation_date);
  const Timestamp first_bar_next =
      cot_midnight(d.observation_date + std::chrono::days{1}) + std::chrono::hours{8};
  const auto at_next = dxy.as_of(first_bar_next);
  ASSERT_TRUE(at_next);
  EXPECT_EQ(at_next->observation_date, d.observation_date);
  EXPECT_EQ(at_next->value, d.value);
  EXPECT_EQ(format_rfc3339(d.available_at),
            format_date(d.observation_date + std::chrono::days{1}) + "T05:00:00Z");

  // Re-import changes nothing.
  MacroImporter again(store, catalog, "csv:macro_daily_dev.csv.gz");
  read_macro_csv(usdcop::testing::shared_data("macro_daily_dev.csv.gz"), catalog, again);
  const auto second = again.finish();
  EXPECT_EQ(second.inserted, 0);
  EXPECT_EQ(second.updated, 0);
  EXPECT_EQ(second.unchanged, report.inserted);
}

TEST(MacroImport, ImplausibleValuesAreFlaggedAndAcceptedByAnOperator) {
  usdcop::testing::TestDatabase db;
  store::PgMacroStore store(db.pool());
  const auto catalog = MacroCatalog::load();
  MacroImporter importer(store, catalog, "test");
  for (int i = 0; i < 25; ++i)
    importer.add_observation("brent", *parse_date("2024-01-01") + std::chrono::days{i},
                             65.0 + i % 3);
  importer.add_observation("brent", *parse_date("2024-01-26"), 21.0);       // jump
  importer.add_observation("usdmxn", *parse_date("2024-01-26"), 175000.0);  // range
  const auto report = importer.finish();
  ASSERT_EQ(report.flagged, 2) << report.summary();

  // Flagged values are excluded from the as-of view.
  MacroSeries brent(store.load_variable("brent"));
  EXPECT_EQ(brent.as_of(*parse_timestamp("2024-02-01T13:00:00Z"))->observation_date,
            *parse_date("2024-01-25"));

  const std::string env =
      "DATABASE_URL='" + db.url() + "' " +
      usdcop::testing::token_env(usdcop::testing::make_token(db, "alice", "operator"));
  const auto r = usdcop::testing::run_usdcop(
      "data accept-flag --variable brent --date 2024-01-26 --reason 'checked against ICE "
      "settlement'",
      env);
  ASSERT_EQ(r.status, 0) << r.err;
  MacroSeries accepted(store.load_variable("brent"));
  EXPECT_EQ(accepted.as_of(*parse_timestamp("2024-02-01T13:00:00Z"))->value, 21.0);
  EXPECT_EQ(
      usdcop::testing::run_usdcop(
          "data accept-flag --variable brent --date 2024-01-26 --reason 'second time around'", env)
          .status,
      2);
}
