// Real data (../shared/data): live bar-by-bar builds with a checkpoint midway equal the batch
// fold bit for bit, and no vector depends on later bars or later macro observations.
#include <gtest/gtest.h>

#include "feature_test_support.hpp"
#include "features/csv_inputs.hpp"
#include "features/feature_builder.hpp"

using namespace usdcop;
using namespace usdcop::features;
using usdcop::feature_testing::same_bits;

namespace {

struct RealData {
  std::vector<market::Bar> bars;
  MacroInputs macro;
};

const RealData& real_data() {
  static const RealData data = [] {
    RealData d;
    d.bars = read_bars_csv(usdcop::testing::shared_data("usdcop_m5_dev.csv.gz"));
    d.macro = read_macro_inputs_csv(usdcop::testing::shared_data("macro_daily_dev.csv.gz"),
                                    usdcop::feature_testing::catalog());
    return d;
  }();
  return data;
}

void expect_identical(const FeatureVector& a, const FeatureVector& b) {
  ASSERT_EQ(a.time, b.time);
  ASSERT_EQ(a.missing_mask, b.missing_mask) << format_rfc3339(a.time);
  ASSERT_EQ(a.complete, b.complete);
  for (int k = 0; k < kObservationSize; ++k) {
    ASSERT_TRUE(
        same_bits(a.values[static_cast<std::size_t>(k)], b.values[static_cast<std::size_t>(k)]))
        << format_rfc3339(a.time) << " " << kFeatureNames[static_cast<std::size_t>(k)];
  }
}

}  // namespace

TEST(FeatureParity, RealDataLoads) {
  const auto& d = real_data();
  EXPECT_EQ(d.bars.size(), 82206u);
  const auto batch = build_features(d.bars, d.macro);
  long complete = 0;
  for (const auto& v : batch) complete += v.complete;
  // Most vectors are complete (the 2-year yield starts in 2020; a few macro gaps).
  EXPECT_GT(complete, 70000);
  EXPECT_FALSE(batch[58].complete);
}

TEST(FeatureParity, LiveBarByBarWithCheckpointEqualsBatchFold) {
  const auto& d = real_data();
  const auto batch = build_features(d.bars, d.macro);
  // Live path: fresh macro snapshot per bar (no cursor cache), checkpoint → restore midway
  // and again near the end (through the serialized text, as the database keeps it).
  FeatureBuilder live;
  const std::size_t cut1 = d.bars.size() / 3, cut2 = d.bars.size() - 100;
  for (std::size_t i = 0; i < d.bars.size(); ++i) {
    if (i == cut1 || i == cut2) live = FeatureBuilder::restore(live.serialize());
    const auto v = live.update(d.bars[i], compute_macro_snapshot(d.macro, d.bars[i].time));
    expect_identical(v, batch[i]);
    if (HasFatalFailure()) return;
  }
}

TEST(FeatureParity, NoLookAhead) {
  const auto& d = real_data();
  const auto full = build_features(d.bars, d.macro);
  // Truncate bars at t and macro at t (only observations already available at t are kept).
  for (const std::size_t cut :
       {std::size_t{59}, std::size_t{5000}, std::size_t{40000}, d.bars.size() - 1}) {
    const Timestamp t = d.bars[cut].time;
    std::map<std::string, market::MacroSeries> truncated;
    for (int v = 0; v < kMacroFeatureCount; ++v) {
      const auto& var = d.macro.variable(v);
      std::vector<market::MacroObservation> obs;
      for (std::size_t k = 0; k < var.values.size() && var.available_at[k] <= t; ++k) {
        market::MacroObservation o;
        o.variable = std::string(kMacroVariables[static_cast<std::size_t>(v)]);
        o.observation_date = cot_date(var.available_at[k]) - std::chrono::days{1};
        o.value = var.values[k];
        o.available_at = var.available_at[k];
        obs.push_back(o);
      }
      truncated.emplace(std::string(kMacroVariables[static_cast<std::size_t>(v)]),
                        market::MacroSeries(obs));
    }
    const MacroInputs macro_t(truncated, usdcop::feature_testing::catalog());
    const auto part = build_features(std::span<const market::Bar>(d.bars).first(cut + 1), macro_t);
    expect_identical(part.back(), full[cut]);
    if (HasFatalFailure()) return;
  }
}
