// The platform's own macro inputs through the feature store: the real macro master file goes
// in through the one macro importer, and the feature-store query returns the same values as
// the macro tables, with ts = available_at; latest never looks ahead; publishing is refused.
#include <gtest/gtest.h>

#include "fs_db_support.hpp"
#include "market/csv_source.hpp"
#include "market/macro_catalog.hpp"
#include "market/macro_import.hpp"
#include "store/pg_macro_store.hpp"

using namespace usdcop;
using namespace usdcop::fstore;
using usdcop::fs_testing::FsFixture;
using usdcop::fs_testing::point;

TEST(PgMacroView, PlatformMacroInputsReadTheSameValuesAsTheMacroTables) {
  FsFixture f;
  const auto catalog = market::MacroCatalog::load_file(usdcop::testing::source_root() / "config" /
                                                       "macro_catalog.yaml");
  store::PgMacroStore macro_store(f.db.pool());
  market::MacroImporter importer(macro_store, catalog, "test");
  market::read_macro_csv(usdcop::testing::shared_data("macro_daily_dev.csv.gz"), catalog, importer);
  importer.finish();
  const long stored = f.count("SELECT count(*) FROM market.macro_observations");
  ASSERT_GT(stored, 10000);

  QueryRequest q;
  for (const char* v : {"dxy", "vix", "embi_col", "brent", "wti", "ust10y", "ust2y", "usdmxn",
                        "ibr", "tpm", "col10y"})
    q.feature_ids.push_back(std::string("macro/usdcop/") + v);
  q.since = parse_timestamp_or_throw("1990-01-01T00:00:00Z", "since");
  q.until = parse_timestamp_or_throw("2100-01-01T00:00:00Z", "until");
  q.limit = 100000;
  const auto r = f.service.query(q);
  ASSERT_EQ(r.features.size(), q.feature_ids.size());
  long compared = 0;
  for (const auto& series : r.features) {
    const auto var = platform_macro_variable(series.feature_id);
    auto conn = f.db.pool().acquire();
    pqxx::nontransaction tx(*conn);
    // The macro tables as the feature builder reads them: values with an open flag left out.
    const auto rows = tx.exec_params(
        "SELECT (extract(epoch FROM available_at) * 1000000)::bigint, value FROM "
        "market.macro_observations o "
        "WHERE variable = $1 AND NOT EXISTS (SELECT 1 FROM market.macro_flags fl WHERE fl.variable "
        "= o.variable "
        "AND fl.observation_date = o.observation_date AND fl.accepted_at IS NULL) ORDER BY "
        "available_at",
        var);
    ASSERT_EQ(series.points.size(), rows.size()) << var;
    ASSERT_FALSE(rows.empty()) << var;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(series.points[i].ts.time_since_epoch().count(), rows[i][0].as<int64_t>()) << var;
      EXPECT_EQ(series.points[i].value, rows[i][1].as<double>()) << var;
      ++compared;
    }
  }
  EXPECT_GT(compared, 10000);

  // latest: the newest value whose available_at is not after the clock.
  f.now = parse_timestamp_or_throw("2024-01-10T12:00:00Z", "now");
  const auto latest = f.service.latest("macro/usdcop/dxy");
  ASSERT_TRUE(latest.point);
  EXPECT_LE(latest.point->ts, f.now);
  EXPECT_EQ(
      latest.point->value,
      std::stod(f.text("SELECT value::text FROM fs.platform_macro_values WHERE variable = 'dxy' "
                       "AND ts <= '2024-01-10T12:00:00Z' ORDER BY ts DESC LIMIT 1")));
  EXPECT_GT(f.count("SELECT count(*) FROM fs.platform_macro_values WHERE variable = 'dxy' AND ts > "
                    "'2024-01-10T12:00:00Z'"),
            0);

  // A flagged value disappears from the view until accepted.
  f.exec(
      "INSERT INTO market.macro_flags (variable, observation_date, value, rule, detail) "
      "SELECT variable, observation_date, value, 'range', 'test' FROM market.macro_observations "
      "WHERE variable = 'vix' ORDER BY observation_date DESC LIMIT 1");
  EXPECT_EQ(f.count("SELECT count(*) FROM fs.platform_macro_values WHERE variable = 'vix'"),
            f.count("SELECT count(*) FROM market.macro_observations WHERE variable = 'vix'") - 1);

  // Publishing to a platform input is refused and nothing reaches the macro tables.
  const auto p = f.service.publish({point("macro/usdcop/dxy", f.now, 101.5)});
  ASSERT_EQ(p.rejected, 1);
  EXPECT_NE(p.errors[0].reason.find("read-only"), std::string::npos);
  EXPECT_EQ(f.count("SELECT count(*) FROM market.macro_observations"), stored);
  EXPECT_EQ(f.count("SELECT count(*) FROM fs.features_values"), 0);
}
