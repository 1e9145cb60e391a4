// usdcop ingest twelvedata|fred as a user runs them, up to the database step: missing keys,
// unreachable providers (retries exhausted), series resolution through the macro catalog. The
// provider is a real local HTTP server; Retry-After: 0 keeps the retries instant.
#include <gtest/gtest.h>

#include "fake_provider.hpp"
#include "support/test_paths.hpp"

namespace usdcop::testing {
namespace {

constexpr const char* kTdKey = "CLI-td-key-987654321";
constexpr const char* kFredKey = "0123456789abcdef0123456789abcdef";

Reply busy() {
  return Reply{503,
               R"({"code":503,"message":"busy","status":"error"})",
               "application/json",
               {{"Retry-After", "0"}},
               {}};
}

class ApiCliTest : public ::testing::Test {
 protected:
  std::string td_env() const {
    return std::string("TWELVEDATA_API_KEY=") + kTdKey +
           " TWELVEDATA_BASE_URL=" + server.base_url();
  }
  std::string fred_env() const {
    return std::string("FRED_API_KEY=") + kFredKey + " FRED_BASE_URL=" + server.base_url() +
           "/fred";
  }
  FakeProvider server;
};

TEST_F(ApiCliTest, TwelveDataWithoutKeyIsUsageErrorNamingTheVariable) {
  const auto r = run_usdcop("ingest twelvedata --from 2024-01-02 --to 2024-01-03",
                            "env -u TWELVEDATA_API_KEY TWELVEDATA_BASE_URL=" + server.base_url());
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("TWELVEDATA_API_KEY"), std::string::npos) << r.err;
  EXPECT_EQ(server.total_hits(), 0);
}

TEST_F(ApiCliTest, FredWithoutKeyIsUsageErrorNamingTheVariable) {
  const auto r = run_usdcop("ingest fred --series DGS10 --from 2024-01-01 --to 2024-01-19",
                            "env -u FRED_API_KEY FRED_BASE_URL=" + server.base_url());
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("FRED_API_KEY"), std::string::npos) << r.err;
  EXPECT_EQ(server.total_hits(), 0);
}

TEST_F(ApiCliTest, TwelveDataUnreachableIsUnavailableAndNeverShowsTheKey) {
  server.route("/time_series", [](const FakeProvider::Params&) { return busy(); });
  const auto r = run_usdcop("ingest twelvedata --from 2024-01-02 --to 2024-01-03", td_env());
  EXPECT_EQ(r.status, 4) << r.err;
  EXPECT_NE(r.err.find("gave up after 4 attempts"), std::string::npos) << r.err;
  EXPECT_EQ(server.hits("/time_series"), 4);
  EXPECT_EQ(r.err.find(kTdKey), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find(kTdKey), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("apikey=***"), std::string::npos) << r.err;  // progress lines, masked
}

TEST_F(ApiCliTest, FredResolvesCatalogVariablesToFredSeries) {
  server.route("/fred/series/observations", [](const FakeProvider::Params&) { return busy(); });
  const auto r = run_usdcop("ingest fred --series ust10y --from 2024-01-01 --to 2024-01-19 --json",
                            fred_env());
  EXPECT_EQ(r.status, 4) << r.err;
  const auto reqs = server.requests("/fred/series/observations");
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(param(reqs[0], "series_id"), "DGS10");
  EXPECT_EQ(param(reqs[0], "observation_start"), "2024-01-01");
  EXPECT_EQ(r.err.find(kFredKey), std::string::npos) << r.err;
}

TEST_F(ApiCliTest, FredRefusesCatalogVariableWithoutFredSeries) {
  const auto r =
      run_usdcop("ingest fred --series embi_col --from 2024-01-01 --to 2024-01-19", fred_env());
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("embi_col"), std::string::npos) << r.err;
  EXPECT_EQ(server.total_hits(), 0);
}

TEST_F(ApiCliTest, HelpListsTheOptions) {
  const auto td = run_usdcop("ingest twelvedata --help");
  EXPECT_EQ(td.status, 0);
  for (const char* opt : {"--from", "--to", "--json", "--replace"}) {
    EXPECT_NE(td.out.find(opt), std::string::npos) << opt;
  }
  const auto fred = run_usdcop("ingest fred --help");
  EXPECT_EQ(fred.status, 0);
  for (const char* opt : {"--series", "--from", "--to", "--json"}) {
    EXPECT_NE(fred.out.find(opt), std::string::npos) << opt;
  }
}

}  // namespace
}  // namespace usdcop::testing
