// The technical features on the real data against an independent pandas implementation
// (tests/features/pandas_reference.py): relative difference <= 1e-9 after the 60-bar warm-up.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "feature_test_support.hpp"
#include "features/csv_inputs.hpp"
#include "features/feature_builder.hpp"
#include "features/norm_stats.hpp"
#include "market/csv_source.hpp"

using namespace usdcop;
using namespace usdcop::features;

TEST(PandasReference, TechnicalFeaturesAgreeOnRealData) {
  const auto bars_path = usdcop::testing::shared_data("usdcop_m5_dev.csv.gz");
  const auto script = usdcop::testing::source_root() / "tests/features/pandas_reference.py";
  const auto out = std::filesystem::temp_directory_path() /
                   ("usdcop_pandas_ref_" + std::to_string(::getpid()) + ".csv");
  const std::string cmd = "/usr/bin/python3 '" + script.string() + "' '" + bars_path.string() +
                          "' '" + out.string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

  const auto bars = read_bars_csv(bars_path);
  const auto vectors = build_features(bars, MacroInputs{});
  const std::string text = market::read_text_file(out);
  std::filesystem::remove(out);

  std::size_t row = 0;
  double worst = 0;
  long compared = 0;
  market::for_each_csv_line(text, [&](long line, std::string_view,
                                      const std::vector<std::string_view>& f) {
    if (line == 1) return;  // header
    ASSERT_EQ(f.size(), 7u);
    ASSERT_LT(row, vectors.size());
    const auto& v = vectors[row];
    ASSERT_EQ(format_rfc3339(v.time), std::string(f[0]));
    if (row >= static_cast<std::size_t>(kWarmupBars)) {
      for (int k = 0; k < 6; ++k) {
        const double ref =
            std::strtod(std::string(f[static_cast<std::size_t>(k + 1)]).c_str(), nullptr);
        const double got = v.values[static_cast<std::size_t>(k)];
        ASSERT_FALSE(std::isnan(got)) << row << " " << kFeatureNames[static_cast<std::size_t>(k)];
        const double rel = std::abs(got - ref) / std::max(std::abs(ref), 1e-300);
        const double diff = (got == ref) ? 0.0 : rel;
        worst = std::max(worst, diff);
        ASSERT_LE(diff, 1e-9) << format_rfc3339(v.time) << " "
                              << kFeatureNames[static_cast<std::size_t>(k)] << " ours " << got
                              << " pandas " << ref;
        ++compared;
      }
    }
    ++row;
  });
  EXPECT_EQ(row, vectors.size());
  EXPECT_EQ(compared, 6 * static_cast<long>(vectors.size() - kWarmupBars));
  std::cout << "pandas reference: " << compared << " values, worst relative difference " << worst
            << "\n";
}

// norm_stats.json bytes equal Python's json.dumps(sort_keys=True, separators=(",", ":")) of
// the same document: the canonical form (and its hash) can be reproduced outside C++.
TEST(PandasReference, CanonicalNormStatsJsonMatchesPython) {
  const auto bars = read_bars_csv(usdcop::testing::shared_data("usdcop_m5_dev.csv.gz"));
  const auto macro = read_macro_inputs_csv(usdcop::testing::shared_data("macro_daily_dev.csv.gz"),
                                           usdcop::feature_testing::catalog());
  std::vector<FeatureRow> rows;
  for (const auto& v : build_features(bars, macro)) rows.push_back(v.to_row());
  const auto stats = compute_norm_stats(rows, parse_date_or_throw("2020-01-02", "d"),
                                        parse_date_or_throw("2025-06-30", "d"));
  const std::string json = to_canonical_json(stats);
  const auto in = std::filesystem::temp_directory_path() /
                  ("usdcop_norm_" + std::to_string(::getpid()) + ".json");
  const auto out = std::filesystem::path(in.string() + ".py");
  std::ofstream(in, std::ios::binary) << json;
  const std::string cmd =
      "/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
      "open(sys.argv[2],\"w\").write(json.dumps(d,sort_keys=True,separators=(\",\",\":\")))' '" +
      in.string() + "' '" + out.string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::string python = market::read_text_file(out);
  std::filesystem::remove(in);
  std::filesystem::remove(out);
  EXPECT_EQ(python, json);
  EXPECT_GT(json.size(), 2000u);
}
