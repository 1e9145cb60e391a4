#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "core/sha256.hpp"
#include "features/norm_stats.hpp"

using namespace usdcop;
using namespace usdcop::features;

namespace {

std::vector<FeatureRow> rows_1_to_10() {
  std::vector<FeatureRow> rows;
  for (int i = 1; i <= 10; ++i) {
    FeatureRow r;
    r.complete = true;
    for (int f = 0; f < kMarketFeatureCount; ++f)
      r.market[static_cast<std::size_t>(f)] = i * (f + 1);
    r.market[kAtrPct] = 0.0006;  // constant: std 0
    rows.push_back(r);
  }
  FeatureRow incomplete;
  incomplete.complete = false;
  incomplete.market.fill(1e9);
  rows.push_back(incomplete);
  return rows;
}

Date d(const char* s) {
  return parse_date_or_throw(s, "date");
}

}  // namespace

TEST(NormStats, MeanPopulationStdAndDeciles) {
  const auto s = compute_norm_stats(rows_1_to_10(), d("2020-01-02"), d("2024-12-30"));
  EXPECT_EQ(s.builder_version, "1.0.0");
  EXPECT_EQ(s.feature_order_hash, feature_order_hash());
  EXPECT_EQ(s.clip, 5.0);
  EXPECT_EQ(s.stats[0].mean, 5.5);             // the incomplete row is skipped
  EXPECT_EQ(s.stats[0].std, std::sqrt(8.25));  // population: sum (i-5.5)^2 / 10
  EXPECT_EQ(s.stats[1].mean, 11.0);
  EXPECT_NEAR(s.stats[kAtrPct].std, 0.0, 1e-18);
  // Linear-interpolation deciles of 1..10: 1.9, 2.8, ..., 9.1; one value per bin.
  EXPECT_NEAR(s.psi[0].edges[0], 1.9, 1e-12);
  EXPECT_NEAR(s.psi[0].edges[8], 9.1, 1e-12);
  for (double p : s.psi[0].proportions) EXPECT_EQ(p, 0.1);
  // A constant feature: every value in the first bin (x <= edge).
  EXPECT_EQ(s.psi[kAtrPct].proportions[0], 1.0);
  EXPECT_THROW(compute_norm_stats(std::span<const FeatureRow>{}, d("2020-01-02"), d("2020-01-03")),
               Error);
}

TEST(NormStats, CanonicalJsonRoundTripsAndHashes) {
  auto s = compute_norm_stats(rows_1_to_10(), d("2020-01-02"), d("2024-12-30"));
  s.stats[2].mean = 9.042127679274034e-07;
  s.stats[kAtrPct] = {0.0006, 0.0};
  const std::string json = to_canonical_json(s);
  EXPECT_EQ(json.find(' '), std::string::npos);
  EXPECT_EQ(
      json.rfind(
          "{\"builder_version\":\"1.0.0\",\"clip\":5.0,\"feature_order_hash\":\"aa52761d1d8e4d3d",
          0),
      0u);
  EXPECT_NE(json.find("\"mean\":9.042127679274034e-07"), std::string::npos);
  EXPECT_NE(json.find("\"atr_pct\":{\"mean\":0.0006,\"std\":0.0}"), std::string::npos);
  EXPECT_NE(json.find("\"train_end\":\"2024-12-30\",\"train_start\":\"2020-01-02\"}"),
            std::string::npos);
  // Keys sorted: adx_14 first among features, usdmxn_change_1d last.
  EXPECT_LT(json.find("\"adx_14\""), json.find("\"atr_pct\""));
  const auto back = parse_norm_stats(json);
  EXPECT_EQ(to_canonical_json(back), json);
  EXPECT_EQ(norm_stats_hash(back), sha256_hex(json));
  EXPECT_NO_THROW(check_compatible(back));
}

TEST(NormStats, ParseNamesTheBadField) {
  const auto s = compute_norm_stats(rows_1_to_10(), d("2020-01-02"), d("2024-12-30"));
  std::string json = to_canonical_json(s);
  auto expect_error = [](const std::string& text, const std::string& field) {
    try {
      parse_norm_stats(text);
      FAIL() << "no error for " << field;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  std::string no_vix = json;
  no_vix.replace(no_vix.find("\"vix_z\":{\"mean\""), 7, "\"vixx_z\"");
  expect_error(no_vix, "stats.vix_z");
  std::string bad_date = json;
  bad_date.replace(bad_date.find("2020-01-02"), 10, "2020-13-02");
  expect_error(bad_date, "train_start");
  expect_error("[1]", "(root)");
  expect_error("{", "JSON");
  std::string other = json;
  other.replace(other.find("1.0.0"), 5, "2.0.0");
  try {
    check_compatible(parse_norm_stats(other));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::integrity);
  }
}

TEST(NormStats, NormalizeClipsAndPassesStateThrough) {
  NormStats s;
  s.feature_order_hash = feature_order_hash();
  for (auto& st : s.stats) st = {1.0, 2.0};
  s.stats[kAtrPct] = {0.5, 0.0};
  std::array<double, kMarketFeatureCount> x{};
  x.fill(2.0);
  x[kRsi9] = 100.0;   // (100-1)/2 = 49.5 -> 5
  x[kAdx14] = -50.0;  // -> -5
  const auto obs = normalize_observation(s, x, -1, 0.5);
  EXPECT_EQ(obs[0], 0.5f);
  EXPECT_EQ(obs[kRsi9], 5.0f);
  EXPECT_EQ(obs[kAdx14], -5.0f);
  EXPECT_EQ(obs[kAtrPct], 0.0f);  // std 0
  EXPECT_EQ(obs[kPositionIndex], -1.0f);
  EXPECT_EQ(obs[kTimeIndex], 0.5f);
  x[kVixZ] = std::nan("");
  EXPECT_TRUE(std::isnan(normalize_observation(s, x, 0, 0.0)[kVixZ]));  // never silently 0
}

TEST(NormStats, NumbersAreLaidOutLikePythonRepr) {
  // Expected strings are Python 3 repr() of the same doubles.
  const std::vector<std::pair<double, std::string>> cases = {
      {5.0, "5.0"},
      {0.0006, "0.0006"},
      {9.042127679274034e-07, "9.042127679274034e-07"},
      {0.0001, "0.0001"},
      {1e-05, "1e-05"},
      {-1.5e-05, "-1.5e-05"},
      {123.25, "123.25"},
      {1e16, "1e+16"},
      {1234567890123456.0, "1234567890123456.0"},
      {0.1, "0.1"},
      {-0.0, "0.0"},
      {100.0, "100.0"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {5e-324, "5e-324"},
      {-2.5, "-2.5"},
      {0.30000000000000004, "0.30000000000000004"},
  };
  for (const auto& [v, text] : cases) EXPECT_EQ(format_canonical_number(v), text) << text;
  EXPECT_THROW(format_canonical_number(std::nan("")), Error);
}
