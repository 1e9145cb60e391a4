// End to end through the CLI on the real data: ingest, features build / export / show,
// resume from the checkpoint, rebuild after earlier bars arrive, single writer.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "feature_test_support.hpp"
#include "features/csv_inputs.hpp"
#include "features/feature_builder.hpp"
#include "features/norm_stats.hpp"
#include "market/csv_source.hpp"
#include "store/pg_feature_store.hpp"
#include "support/test_database.hpp"

using namespace usdcop;
using namespace usdcop::features;
using usdcop::feature_testing::same_bits;
using usdcop::testing::run_usdcop;
using usdcop::testing::shared_data;
using usdcop::testing::TestDatabase;

namespace {

std::string env_for(const TestDatabase& db) {
  return "DATABASE_URL='" + db.url() + "'";
}

std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("usdcop_feat_" + std::to_string(::getpid()) + "_" + name);
}

// Bars of the real file split at `cut` (RFC 3339 prefix compare is chronological here).
void split_bars(const std::string& cut, const std::filesystem::path& before,
                const std::filesystem::path& after) {
  const std::string text = market::read_text_file(shared_data("usdcop_m5_dev.csv.gz"));
  std::ofstream a(before), b(after);
  std::size_t pos = 0;
  bool header = true;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos) + "\n";
    if (header) {
      a << line;
      b << line;
      header = false;
    } else {
      (line.substr(0, cut.size()) < cut ? a : b) << line;
    }
    pos = end + 1;
  }
}

nlohmann::json build(const TestDatabase& db, const std::string& args = "") {
  const auto r = run_usdcop("features build --json " + args, env_for(db));
  EXPECT_EQ(r.status, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

void ingest(const TestDatabase& db, const std::string& what, const std::filesystem::path& file) {
  const auto r = run_usdcop("ingest " + what + " '" + file.string() + "' --json", env_for(db));
  ASSERT_EQ(r.status, 0) << r.err;
}

// Every stored row equals the in-memory batch fold of the real data, bit for bit.
void expect_table_equals_batch(TestDatabase& db) {
  const auto bars = read_bars_csv(shared_data("usdcop_m5_dev.csv.gz"));
  const auto macro = read_macro_inputs_csv(shared_data("macro_daily_dev.csv.gz"),
                                           usdcop::feature_testing::catalog());
  const auto batch = build_features(bars, macro);
  store::PgFeatureStore fs(db.pool());
  const auto rows = fs.load(Timestamp::min(), Timestamp::max());
  ASSERT_EQ(rows.size(), batch.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto expected = batch[i].to_row();
    ASSERT_EQ(rows[i].time, expected.time);
    ASSERT_EQ(rows[i].complete, expected.complete) << format_rfc3339(rows[i].time);
    ASSERT_EQ(rows[i].missing, expected.missing);
    for (int k = 0; k < kMarketFeatureCount; ++k) {
      const double a = rows[i].market[static_cast<std::size_t>(k)],
                   b = expected.market[static_cast<std::size_t>(k)];
      ASSERT_TRUE(same_bits(a, b) || (std::isnan(a) && std::isnan(b)))
          << format_rfc3339(rows[i].time) << " " << k;
    }
  }
}

}  // namespace

TEST(FeaturesCli, BuildExportShowOnRealData) {
  TestDatabase db;
  ingest(db, "csv", shared_data("usdcop_m5_dev.csv.gz"));
  ingest(db, "macro-csv", shared_data("macro_daily_dev.csv.gz"));
  auto j = build(db);
  EXPECT_EQ(j["mode"], "rebuild");
  EXPECT_EQ(j["bars_folded"], 82206);
  EXPECT_EQ(j["inserted"], 82206);
  EXPECT_GT(j["complete_rows"].get<long>(), 80000);
  expect_table_equals_batch(db);

  j = build(db);  // nothing new
  EXPECT_EQ(j["mode"], "up_to_date");
  EXPECT_EQ(j["rows_written"], 0);

  j = build(db, "--from 2025-06-01");  // forced recomputation: identical values, nothing rewritten
  EXPECT_EQ(j["mode"], "rebuild");
  EXPECT_GT(j["rows_written"].get<long>(), 0);
  EXPECT_EQ(j["updated"], 0);
  EXPECT_EQ(j["unchanged"], j["rows_written"]);

  const auto out = temp_file("export.csv");
  auto r =
      run_usdcop("features export --from 2024-03-01 --to 2024-03-02 --out '" + out.string() + "'",
                 env_for(db));
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string csv = market::read_text_file(out);
  std::filesystem::remove(out);
  EXPECT_EQ(
      csv.substr(0, csv.find('\n')),
      "time,log_ret_5m,log_ret_1h,log_ret_4h,rsi_9,atr_pct,adx_14,dxy_z,dxy_change_1d,vix_z,embi_z,"
      "brent_change_1d,rate_spread,usdmxn_change_1d,time_normalized,complete,missing");
  const auto all_bars = read_bars_csv(shared_data("usdcop_m5_dev.csv.gz"));
  const long day_bars = std::count_if(all_bars.begin(), all_bars.end(), [](const market::Bar& b) {
    return format_date(cot_date(b.time)) == "2024-03-01";
  });
  EXPECT_EQ(day_bars, 59);                                            // a feed gap that day
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), day_bars + 1);  // header + the session
  EXPECT_NE(csv.find("\n2024-03-01T13:00:00Z,"), std::string::npos);

  r = run_usdcop("features show --at 2024-03-01T15:00:00Z --json", env_for(db));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto shown = nlohmann::json::parse(r.out);
  EXPECT_EQ(shown["time"], "2024-03-01T15:00:00Z");
  EXPECT_EQ(shown["complete"], true);
  EXPECT_EQ(shown["values"]["time_normalized"].get<double>(), 24.0 / 59.0);
  EXPECT_EQ(shown["values"].size(), 14u);

  // --model: normalized with the run's norm_stats.json.
  store::PgFeatureStore fs(db.pool());
  const auto rows =
      fs.load(parse_time_or_date("2020-01-01", "f"), parse_time_or_date("2021-01-01", "t"));
  const auto stats = compute_norm_stats(rows, parse_date_or_throw("2020-01-02", "d"),
                                        parse_date_or_throw("2020-12-31", "d"));
  const auto run_dir = temp_file("run");
  std::filesystem::create_directories(run_dir);
  std::ofstream(run_dir / "norm_stats.json", std::ios::binary) << to_canonical_json(stats);
  r = run_usdcop(
      "features show --at 2024-03-01T15:00:00Z --json --model '" + run_dir.string() + "'",
      env_for(db));
  std::filesystem::remove_all(run_dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto with_model = nlohmann::json::parse(r.out);
  const auto row = fs.at(parse_timestamp_or_throw("2024-03-01T15:00:00Z", "t"));
  const auto norm = normalize_observation(stats, row->market, 0, row->time_normalized);
  EXPECT_EQ(with_model["normalized"]["rsi_9"].get<double>(), static_cast<double>(norm[kRsi9]));
  EXPECT_EQ(with_model["norm_stats_hash"], norm_stats_hash(stats));

  r = run_usdcop("features show --at 2024-03-01T15:02:00Z", env_for(db));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("no feature row"), std::string::npos) << r.err;
}

TEST(FeaturesCli, ResumesFromTheCheckpoint) {
  TestDatabase db;
  const auto before = temp_file("before.csv"), after = temp_file("after.csv");
  split_bars("2023-01-01", before, after);
  ingest(db, "macro-csv", shared_data("macro_daily_dev.csv.gz"));
  ingest(db, "csv", before);
  auto j = build(db);
  EXPECT_EQ(j["mode"], "rebuild");
  const long first = j["bars_folded"].get<long>();
  ingest(db, "csv", after);
  j = build(db);
  EXPECT_EQ(j["mode"], "resume");
  EXPECT_EQ(j["bars_folded"].get<long>() + first, 82206);  // only the new bars were folded
  std::filesystem::remove(before);
  std::filesystem::remove(after);
  expect_table_equals_batch(db);  // resumed = one fold over everything
}

TEST(FeaturesCli, RebuildsWhenEarlierBarsAreImported) {
  TestDatabase db;
  const auto before = temp_file("early.csv"), after = temp_file("late.csv");
  split_bars("2021-06-01", before, after);
  ingest(db, "macro-csv", shared_data("macro_daily_dev.csv.gz"));
  ingest(db, "csv", after);
  auto j = build(db);
  EXPECT_EQ(j["mode"], "rebuild");
  ingest(db, "csv", before);
  j = build(db);
  EXPECT_EQ(j["mode"], "rebuild");
  EXPECT_NE(j["reason"].get<std::string>().find("earlier bars"), std::string::npos) << j.dump();
  EXPECT_EQ(j["bars_folded"], 82206);
  EXPECT_GT(j["updated"].get<long>(), 0);  // every old row changed: history now starts in 2020
  std::filesystem::remove(before);
  std::filesystem::remove(after);
  expect_table_equals_batch(db);
}

TEST(FeaturesCli, SecondConcurrentWriterIsRefused) {
  TestDatabase db;
  store::FeatureWriterLock running(db.pool());  // a build in progress elsewhere
  const auto r = run_usdcop("features build", env_for(db));
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("another features build is running"), std::string::npos) << r.err;
}
