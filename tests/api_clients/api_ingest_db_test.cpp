// usdcop ingest twelvedata|fred end to end: a real local HTTP server with recorded provider
// responses, the real binary, a real test database.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "fake_provider.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

namespace usdcop::testing {
namespace {

long count(TestDatabase& db, const std::string& sql) {
  auto conn = db.pool().acquire();
  pqxx::nontransaction tx(*conn);
  return tx.exec1(sql)[0].as<long>();
}

TEST(ApiIngestDb, TwelveDataBarsLandAndBadValuesAreRejected) {
  TestDatabase db;
  FakeProvider server;
  server.route("/time_series", [](const FakeProvider::Params& p) {
    const auto start = p.find("start_date")->second;
    if (start.rfind("2024-01-02", 0) == 0) return recorded_reply("twelvedata_bad_value.json");
    return recorded_reply("twelvedata_error_no_data.json");
  });
  const std::string env = "DATABASE_URL='" + db.url() +
                          "' TWELVEDATA_API_KEY=k TWELVEDATA_BASE_URL=" + server.base_url();
  auto r = run_usdcop("ingest twelvedata --from 2024-01-02 --to 2024-01-03 --json", env);
  ASSERT_EQ(r.status, 3) << r.err;  // three records are bad: imported with rejects
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["source"], "twelvedata");
  EXPECT_EQ(j["inserted"].get<long>() + j["rejected"].get<long>(), j["rows_read"].get<long>());
  EXPECT_EQ(j["inserted"], 1);
  EXPECT_EQ(j["rejected_by_reason"]["malformed"], 2);  // "3,886.75" and a missing close
  EXPECT_EQ(j["rejected_by_reason"]["bad_time"], 1);   // "2024-01-02T13:15"
  EXPECT_EQ(count(db, "SELECT count(*) FROM market.usdcop_m5_ohlcv WHERE source = 'twelvedata'"),
            j["inserted"].get<long>());
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM market.rejected_bars WHERE source = 'twelvedata' AND raw "
                  "LIKE '%3,886.75%'"),
            1);

  // Polling the same window again changes nothing.
  r = run_usdcop("ingest twelvedata --from 2024-01-02 --to 2024-01-03 --json", env);
  EXPECT_EQ(nlohmann::json::parse(r.out)["inserted"], 0);
}

TEST(ApiIngestDb, FredObservationsLandWithDelay) {
  TestDatabase db;
  FakeProvider server;
  server.route("/fred/series/observations", [](const FakeProvider::Params&) {
    return recorded_reply("fred_series_observations_DGS10.json");
  });
  const std::string env =
      "DATABASE_URL='" + db.url() +
      "' FRED_API_KEY=0123456789abcdef0123456789abcdef FRED_BASE_URL=" + server.base_url() +
      "/fred";
  const auto r =
      run_usdcop("ingest fred --series ust10y --from 2024-01-01 --to 2024-01-19 --json", env);
  ASSERT_EQ(r.status, 0) << r.err;
  const long n =
      count(db, "SELECT count(*) FROM market.macro_observations WHERE variable = 'ust10y'");
  EXPECT_GT(n, 5);
  EXPECT_EQ(
      count(db,
            "SELECT count(*) FROM market.macro_observations WHERE variable = 'ust10y' AND "
            "available_at <> ((observation_date + 1)::timestamp AT TIME ZONE 'America/Bogota')"),
      0);
}

}  // namespace
}  // namespace usdcop::testing
