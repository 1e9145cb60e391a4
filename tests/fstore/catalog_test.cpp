// The seed catalog and FeatureSpec validation.
#include <gtest/gtest.h>

#include <unistd.h>
#include <fstream>
#include <map>

#include "core/error.hpp"
#include "fstore/feature_catalog.hpp"
#include "liquidity/regime_config.hpp"
#include "support/test_paths.hpp"

using namespace usdcop;
using namespace usdcop::fstore;

namespace {
std::vector<FeatureSpec> seed() {
  return load_catalog_file(usdcop::testing::source_root() / "config" / "features.catalog.json");
}
}  // namespace

TEST(SeedCatalog, HasTheNineLiquidityFeedsAndThePlatformMacroInputs) {
  const auto specs = seed();
  EXPECT_GE(specs.size(), 20u);
  const FeatureCatalog cat(specs);
  const auto liq = liquidity::RegimeConfig::load_file(usdcop::testing::source_root() / "config" /
                                                      "liquidity.feeds.json");
  ASSERT_EQ(liq.feeds.size(), 9u);
  for (const auto& f : liq.feeds) EXPECT_NE(cat.find(f.feature_id), nullptr) << f.feature_id;
  // ttls fit each series' schedule (spec 12): weekly 8 days, business-day 4, daily crypto 2.
  const int64_t day = 86400000;
  EXPECT_EQ(cat.find("macro/us/walcl_total_usd")->ttl_ms, 8 * day);
  for (const char* id : {"macro/us/tga_balance_usd", "macro/us/rrp_total_usd",
                         "crypto/etf/btc_net_flow_usd", "crypto/etf/eth_net_flow_usd"})
    EXPECT_EQ(cat.find(id)->ttl_ms, 4 * day) << id;
  for (const char* id : {"crypto/stables/mcap_total_usd_yoy", "cex/agg/spot_depth_2pct_usd",
                         "cex/agg/perp_oi_usd", "dex/agg/active_liquidity_usd"})
    EXPECT_EQ(cat.find(id)->ttl_ms, 2 * day) << id;
  for (const char* v : {"dxy", "vix", "embi_col", "brent", "wti", "ust10y", "ust2y", "usdmxn"}) {
    const auto* s = cat.find(std::string("macro/usdcop/") + v);
    ASSERT_NE(s, nullptr) << v;
    EXPECT_TRUE(is_platform_macro_input(s->id));
    EXPECT_EQ(platform_macro_variable(s->id), v);
  }
}

TEST(FeatureSpecJson, RoundTripsAndRejectsBadFieldsByName) {
  const auto s = seed().front();
  EXPECT_TRUE(FeatureSpec::from_json(s.to_json(), "x").same_definition(s));
  const auto expect_field = [&](nlohmann::json j, const std::string& field) {
    try {
      FeatureSpec::from_json(j, "entry");
      ADD_FAILURE() << "accepted bad " << field;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  auto j = s.to_json();
  j["id"] = "Macro/Bad-Id";
  expect_field(j, "'id'");
  j = s.to_json();
  j["ttl_ms"] = 0;
  expect_field(j, "'ttl_ms'");
  j = s.to_json();
  j["entity"] = "planet";
  expect_field(j, "'entity'");
  j = s.to_json();
  j["quality"]["expected_range"] = {5, 1};
  expect_field(j, "quality.expected_range");
  j = s.to_json();
  j["frequency"] = "2d";
  expect_field(j, "'frequency'");
  j = s.to_json();
  j["version"] = 3;
  EXPECT_TRUE(FeatureSpec::from_json(j, "x").same_definition(s));  // version is not definition
  j["unit"] = "bps";
  EXPECT_FALSE(FeatureSpec::from_json(j, "x").same_definition(s));
}

TEST(CatalogFile, DuplicateIdsAndMissingFilesAreErrors) {
  const auto path =
      std::filesystem::temp_directory_path() / ("fs_cat_" + std::to_string(::getpid()) + ".json");
  const auto s = seed().front().to_json();
  std::ofstream(path) << nlohmann::json{{"features", {s, s}}}.dump();
  EXPECT_THROW(load_catalog_file(path), Error);
  std::filesystem::remove(path);
  try {
    load_catalog_file(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found);
  }
}

TEST(CatalogFilter, EntityFrequencyAndTagsAnyOf) {
  const auto specs = seed();
  CatalogFilter f;
  f.tags = split_tags("gl, mp");
  long n = 0;
  for (const auto& s : specs) n += f.matches(s) ? 1 : 0;
  EXPECT_EQ(n, 6);  // 3 GL + 3 MP feeds
  f = {};
  f.frequency = "1w";
  n = 0;
  for (const auto& s : specs) n += f.matches(s) ? 1 : 0;
  EXPECT_EQ(n, 1);
  f = {};
  f.entity = "pair";
  for (const auto& s : specs) {
    if (f.matches(s)) {
      EXPECT_EQ(s.entity, "pair");
    }
  }
}

TEST(Frequency, ExpectedPointsPerFrequency) {
  const Timestamp mon = utc_midnight(parse_date_or_throw("2025-03-03", "d"));  // a Monday
  const Timestamp next_mon = mon + std::chrono::days(7);
  EXPECT_EQ(*expected_points("1d", mon, next_mon), 7);
  EXPECT_EQ(*expected_points("1b", mon, next_mon), 5);
  EXPECT_EQ(*expected_points("1w", mon, next_mon), 1);
  EXPECT_EQ(*expected_points("1h", mon, mon + std::chrono::days(1)), 24);
  EXPECT_EQ(*expected_points("5m", mon, mon + std::chrono::hours(1)), 12);
  EXPECT_FALSE(expected_points("tick", mon, next_mon));
}
