// Experiment configs (embargo) and dataset assembly, file format and integrity.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/calendar.hpp"
#include "core/error.hpp"
#include "learn/dataset.hpp"

using namespace usdcop;

namespace {

std::string config_yaml(const std::string& train_end, const std::string& val_start) {
  return "experiment: t\nseed: 1\ndataset:\n  splits:\n"
         "    - {name: train, start: 2024-12-02, end: " +
         train_end +
         "}\n"
         "    - {name: validation, start: " +
         val_start + ", end: 2025-01-10}\n";
}

std::string error_of(const std::string& yaml) {
  try {
    learn::parse_experiment_config(yaml, "x.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Complete feature rows and bars for every session bar of the given COT dates.
struct History {
  std::vector<features::FeatureRow> rows;
  std::vector<market::Bar> bars;
};
History history(const std::string& from, const std::string& to) {
  History h;
  double close = 4000;
  int k = 0;
  for (Date d = parse_date_or_throw(from, "from"); d <= parse_date_or_throw(to, "to");
       d += std::chrono::days(1)) {
    if (!is_trading_day(d)) continue;
    for (Timestamp t : session_bar_times(d)) {
      close *= 1.0 + 1e-4 * ((k % 7) - 3);
      h.bars.push_back({t, close, close, close, close, 0});
      features::FeatureRow r;
      r.time = t;
      for (int i = 0; i < 13; ++i) r.market[static_cast<std::size_t>(i)] = (k % 11) * 0.1 + i;
      r.time_normalized = *bar_index(t) / 59.0;
      r.complete = k % 50 != 0;  // some incomplete rows
      h.rows.push_back(r);
      ++k;
    }
  }
  return h;
}

}  // namespace

TEST(ExperimentConfig, DefaultsFollowSpec03) {
  const auto c = learn::parse_experiment_config(config_yaml("2024-12-30", "2025-01-02"), "x.yaml");
  EXPECT_EQ(c.splits.size(), 2u);
  EXPECT_EQ(c.ppo.n_envs * c.ppo.n_steps, 4096);
  EXPECT_EQ(c.ppo.batch_size, 128);
  EXPECT_DOUBLE_EQ(c.ppo.gamma, 0.98);
  EXPECT_EQ(c.env.episode_length, 2400);
  EXPECT_EQ(c.ppo.total_timesteps, 2'000'000);
  // the resolved form parses back to the same values
  const auto again = learn::parse_experiment_config(learn::resolved_yaml(c), "resolved");
  EXPECT_EQ(learn::resolved_yaml(again), learn::resolved_yaml(c));
}

TEST(ExperimentConfig, EmbargoViolationNamesBothSplits) {
  // 2024-12-31 is the only session between 12-30 and 01-02: one session is the embargo.
  EXPECT_EQ(error_of(config_yaml("2024-12-30", "2025-01-02")), "");
  const std::string e = error_of(config_yaml("2024-12-31", "2025-01-02"));
  EXPECT_NE(e.find("'train'"), std::string::npos) << e;
  EXPECT_NE(e.find("'validation'"), std::string::npos) << e;
  EXPECT_NE(e.find("embargo"), std::string::npos) << e;
  EXPECT_NE(error_of(config_yaml("2025-01-05", "2025-01-02")).find("overlap"), std::string::npos);
}

TEST(ExperimentConfig, BadValuesNameTheField) {
  EXPECT_NE(error_of("experiment: t\n").find("dataset.splits"), std::string::npos);
  EXPECT_NE(error_of(config_yaml("2024-12-30", "2025-01-02") + "ppo:\n  batch_size: 100\n")
                .find("batch_size"),
            std::string::npos);
  EXPECT_NE(error_of(config_yaml("2024-12-30", "2025-13-02")).find("start"), std::string::npos);
}

TEST(Dataset, AssemblesSplitsWithoutOverlapAndTrainOnlyStats) {
  const auto c = learn::parse_experiment_config(config_yaml("2024-12-30", "2025-01-02"), "x.yaml");
  const History h = history("2024-11-25", "2025-01-10");
  const learn::Dataset ds = learn::assemble_dataset(c, h.rows, h.bars);
  ASSERT_EQ(ds.splits.size(), 2u);
  const auto& train = ds.splits[0].rows;
  const auto& val = ds.splits[1].rows;
  EXPECT_LT(train.back().time, val.front().time);
  EXPECT_EQ(cot_date(train.front().time), parse_date_or_throw("2024-12-02", "d"));
  EXPECT_EQ(cot_date(val.front().time), parse_date_or_throw("2025-01-02", "d"));
  EXPECT_GT(ds.dropped.at("incomplete"), 0);
  EXPECT_GT(ds.dropped.at("outside_splits"), 0);  // November and the embargo day
  EXPECT_EQ(ds.dropped.at("no_next_bar"), 1);     // the last stored bar has no return
  std::vector<std::array<double, 13>> tr;
  for (const auto& r : train) tr.push_back(r.market);
  const auto expected =
      features::compute_norm_stats(tr, ds.splits[0].spec.start, ds.splits[0].spec.end);
  EXPECT_EQ(features::norm_stats_hash(ds.norm_stats), features::norm_stats_hash(expected));
  // the return of a row is to the next stored bar
  std::size_t k = 0;
  while (h.bars[k].time != train[0].time) ++k;
  EXPECT_DOUBLE_EQ(train[0].next_log_return, std::log(h.bars[k + 1].close / train[0].close));
}

TEST(Dataset, SplitWithoutDataFailsClearly) {
  const auto c = learn::parse_experiment_config(config_yaml("2024-12-30", "2025-01-02"), "x.yaml");
  const History h = history("2024-11-25", "2024-12-30");
  try {
    learn::assemble_dataset(c, h.rows, h.bars);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("split 'validation'"), std::string::npos) << e.what();
  }
}

TEST(Dataset, FileRoundTripsAndRefusesTampering) {
  const auto c = learn::parse_experiment_config(config_yaml("2024-12-30", "2025-01-02"), "x.yaml");
  const History h = history("2024-11-25", "2025-01-10");
  learn::Dataset ds = learn::assemble_dataset(c, h.rows, h.bars);
  const auto dir =
      std::filesystem::temp_directory_path() / ("usdcop_ds_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  learn::write_dataset(ds, dir);
  EXPECT_EQ(ds.dataset_hash.size(), 64u);
  const learn::Dataset back = learn::read_dataset(dir);
  EXPECT_EQ(back.dataset_hash, ds.dataset_hash);
  ASSERT_EQ(back.splits.size(), 2u);
  ASSERT_EQ(back.splits[1].rows.size(), ds.splits[1].rows.size());
  EXPECT_EQ(back.splits[1].rows[5].time, ds.splits[1].rows[5].time);
  EXPECT_EQ(back.splits[1].rows[5].market, ds.splits[1].rows[5].market);
  EXPECT_EQ(back.splits[1].rows[5].next_log_return, ds.splits[1].rows[5].next_log_return);
  const auto series = learn::env_series(back, back.splits[0]);
  EXPECT_EQ(series->size(), back.splits[0].rows.size());
  {
    std::fstream f(dir / "dataset.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-3, std::ios::end);
    f.put('x');
  }
  try {
    learn::read_dataset(dir);
    FAIL() << "tampering not detected";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::integrity);
    EXPECT_NE(std::string(e.what()).find("dataset.bin"), std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST(ExperimentConfig, PositionRuleAndRiskLimitKeysDefaultOffAndRoundTrip) {
  const auto c = learn::parse_experiment_config(config_yaml("2024-12-30", "2025-01-02"), "x.yaml");
  EXPECT_FALSE(c.env.flat_at_session_end);
  EXPECT_FALSE(c.env.apply_risk_limits);
  const auto on = learn::parse_experiment_config(
      config_yaml("2024-12-30", "2025-01-02") +
          "environment:\n  flat_at_session_end: true\n  apply_risk_limits: true\n"
          "  min_hold_bars: 3\n",
      "x.yaml");
  EXPECT_TRUE(on.env.flat_at_session_end);
  EXPECT_TRUE(on.env.apply_risk_limits);
  EXPECT_EQ(on.env.risk.max_trades_per_day, 20);  // config/risk.yaml
  const auto again = learn::parse_experiment_config(learn::resolved_yaml(on), "resolved");
  EXPECT_TRUE(again.env.flat_at_session_end);
  EXPECT_TRUE(again.env.apply_risk_limits);
  EXPECT_NE(error_of(config_yaml("2024-12-30", "2025-01-02") +
                     "environment:\n  apply_risk_limits: maybe\n")
                .find("apply_risk_limits"),
            std::string::npos);
}
