// The synthetic market against the real data in shared/data: bounds are derived from the real
// figures, which are printed next to the synthetic ones. Missing data FAILs (never skips).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

#include "bar_stats.hpp"
#include "core/time.hpp"
#include "market/csv_source.hpp"
#include "market/macro_catalog.hpp"
#include "market/synthetic.hpp"
#include "support/test_paths.hpp"

using namespace usdcop;
using namespace usdcop::market;
using namespace usdcop::synthetic_test;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t kSeed = 20240611;
const Date kFrom = std::chrono::sys_days{2023y / 1 / 2};
const Date kTo = std::chrono::sys_days{2024y / 12 / 31};
const Date kRealRangesFrom = std::chrono::sys_days{2023y / 1 / 1};  // real ranges from 2023 on

double to_double(std::string_view s) {
  return std::strtod(std::string(s).c_str(), nullptr);
}

const std::vector<Bar>& real_bars() {
  static const std::vector<Bar> bars = [] {
    std::vector<Bar> out;
    const std::string text = read_text_file(usdcop::testing::shared_data("usdcop_m5_dev.csv.gz"));
    for_each_csv_line(text,
                      [&](long line, std::string_view, const std::vector<std::string_view>& f) {
                        if (line == 1 || f.size() < 5) return;  // header
                        Bar b;
                        b.time = parse_timestamp_or_throw(f[0], "time");
                        b.open = to_double(f[1]);
                        b.high = to_double(f[2]);
                        b.low = to_double(f[3]);
                        b.close = to_double(f[4]);
                        out.push_back(b);
                      });
    return out;
  }();
  return bars;
}

// Real daily macro values of one master-file column: date -> value.
std::map<Date, double> real_macro(const std::string& column) {
  std::map<Date, double> out;
  static const std::string text =
      read_text_file(usdcop::testing::shared_data("macro_daily_dev.csv.gz"));
  int col = -1;
  for_each_csv_line(text, [&](long line, std::string_view, const std::vector<std::string_view>& f) {
    if (line == 1) {
      for (size_t i = 0; i < f.size(); ++i)
        if (f[i] == column) col = static_cast<int>(i);
      return;
    }
    if (col < 0 || static_cast<size_t>(col) >= f.size() || f[static_cast<size_t>(col)].empty())
      return;
    out[parse_date_or_throw(f[0], "fecha")] = to_double(f[static_cast<size_t>(col)]);
  });
  EXPECT_GE(col, 0) << "column " << column << " not in the macro master file";
  return out;
}

// Correlation of a macro variable's log change with USD/COP's log return over the same pairs
// of consecutive USD/COP trading days (both observed on both days).
double cop_correlation(const std::map<Date, double>& cop, const std::map<Date, double>& macro) {
  std::vector<double> a, b;
  for (auto it = std::next(cop.begin()); it != cop.end(); ++it) {
    const auto prev = std::prev(it);
    const auto m1 = macro.find(prev->first), m2 = macro.find(it->first);
    if (m1 == macro.end() || m2 == macro.end() || m1->second <= 0 || m2->second <= 0) continue;
    a.push_back(std::log(m2->second / m1->second));
    b.push_back(std::log(it->second / prev->second));
  }
  return a.size() > 30 ? correlation(a, b) : 0.0;
}

std::map<Date, double> synthetic_series(const std::vector<MacroObservation>& obs,
                                        const std::string& var) {
  std::map<Date, double> out;
  for (const auto& o : obs)
    if (o.variable == var) out[o.observation_date] = o.value;
  return out;
}

const SyntheticData& sample() {
  static const SyntheticData data = generate_synthetic(kFrom, kTo, kSeed);
  return data;
}

}  // namespace

TEST(SyntheticStats, BarsResembleTheRealData) {
  const BarStats real = compute_stats(real_bars(), kRealRangesFrom);
  const BarStats syn = compute_stats(sample().bars, kFrom);
  print_stats("real 2020-2025", real);
  print_stats("synthetic 2023-2024", syn);
  ASSERT_GT(real.days, 1000);

  // Daily volatility of close-to-close log returns.
  EXPECT_GE(syn.daily_vol, 0.6 * real.daily_vol);
  EXPECT_LE(syn.daily_vol, 1.6 * real.daily_vol);
  EXPECT_GE(syn.daily_vol, 0.0055);
  EXPECT_LE(syn.daily_vol, 0.0090);
  EXPECT_GE(syn.sd_5m, 0.6 * real.sd_5m);
  EXPECT_LE(syn.sd_5m, 1.6 * real.sd_5m);

  // Intraday shape. The real session is strongly front-loaded (first hour ~1.4x midday) with
  // only a small rise in the last bars; the spec asks for a U shape, so the synthetic close is
  // required to rise above midday as well.
  EXPECT_GT(real.first_hour_ratio, 1.15);
  EXPECT_GE(syn.first_hour_ratio, 1.15);
  EXPECT_GE(syn.first_hour_ratio, 0.75 * real.first_hour_ratio);
  EXPECT_LE(syn.first_hour_ratio, 1.35 * real.first_hour_ratio);
  EXPECT_GE(syn.last_hour_ratio, 1.05);
  EXPECT_LE(syn.last_hour_ratio, syn.first_hour_ratio);

  // Fat tails: real 5-minute kurtosis is far above 3 (feed spikes included); synthetic > 4.
  EXPECT_GT(real.kurtosis_5m, 4.0);
  EXPECT_GT(syn.kurtosis_5m, 4.0);
  EXPECT_LT(syn.kurtosis_5m, real.kurtosis_5m);

  // Volatility clustering: |daily return| is positively autocorrelated.
  EXPECT_GT(real.acf_abs_lag1, 0.05);
  EXPECT_GT(syn.acf_abs_lag1, 0.05);

  // Modest overnight gaps, occasional flat bars, a plausible level.
  EXPECT_LE(syn.gap_sd, real.gap_sd);
  EXPECT_GT(syn.gap_sd, 0.0);
  EXPECT_GE(syn.flat_share, 0.01);
  EXPECT_LE(syn.flat_share, 0.06);
  EXPECT_GE(syn.min_close, 0.8 * real.min_close);
  EXPECT_LE(syn.max_close, 1.2 * real.max_close);
}

TEST(SyntheticStats, MacroLevelsAreRealistic) {
  const auto catalog = MacroCatalog::load_file(
      (usdcop::testing::source_root() / "config" / "macro_catalog.yaml").string());
  struct Band {
    const char* var;
    double lo, hi;  // band for the sample mean
  };
  const Band bands[] = {{"dxy", 92, 108},    {"vix", 13, 26},      {"embi_col", 180, 340},
                        {"brent", 55, 95},   {"wti", 50, 92},      {"ust10y", 3, 5},
                        {"ust2y", 3.2, 5.4}, {"usdmxn", 16, 20.5}, {"ibr", 7.5, 10.5},
                        {"tpm", 7.5, 11},    {"col10y", 9, 12}};
  const auto& obs = sample().macro;
  for (const auto& band : bands) {
    const auto s = synthetic_series(obs, band.var);
    ASSERT_GT(s.size(), 480u) << band.var;
    const MacroVariable& v = catalog.at(band.var);
    std::vector<double> values;
    double lo = 1e300, hi = -1e300;
    for (const auto& [d, x] : s) {
      values.push_back(x);
      lo = std::min(lo, x);
      hi = std::max(hi, x);
      EXPECT_GE(x, v.min_value) << band.var << " " << format_date(d);
      EXPECT_LE(x, v.max_value) << band.var << " " << format_date(d);
    }
    const double m = mean_of(values);
    std::printf("[synthetic macro] %-8s n=%zu mean=%.3f min=%.3f max=%.3f\n", band.var, s.size(), m,
                lo, hi);
    EXPECT_GE(m, band.lo) << band.var;
    EXPECT_LE(m, band.hi) << band.var;
    EXPECT_GT(lo, 0.0) << band.var;
  }
  // VIX has spikes: its maximum is well above its mean.
  const auto vix = synthetic_series(obs, "vix");
  double vmax = 0;
  std::vector<double> vv;
  for (const auto& [d, x] : vix) {
    vmax = std::max(vmax, x);
    vv.push_back(x);
  }
  EXPECT_GT(vmax, 1.5 * mean_of(vv));
}

TEST(SyntheticStats, MacroMovesCorrelateWithUsdCopLikeTheRealData) {
  const auto real_cop = daily_closes(real_bars());
  const auto syn_cop = daily_closes(sample().bars);
  struct Case {
    const char* var;
    const char* column;
  };
  const Case cases[] = {{"dxy", "fxrt_index_dxy_usa_d_dxy"},
                        {"usdmxn", "fxrt_spot_usdmxn_mex_d_usdmxn"},
                        {"embi_col", "crsk_spread_embi_col_d_embi"},
                        {"brent", "comm_oil_brent_glb_d_brent"}};
  std::map<std::string, std::pair<double, double>> corr;
  for (const auto& c : cases) {
    const double real = cop_correlation(real_cop, real_macro(c.column));
    const double syn = cop_correlation(syn_cop, synthetic_series(sample().macro, c.var));
    corr[c.var] = {real, syn};
    std::printf("[corr with USD/COP daily return] %-8s real=%.3f synthetic=%.3f\n", c.var, real,
                syn);
  }
  EXPECT_GT(corr["dxy"].first, 0.1);
  EXPECT_GT(corr["dxy"].second, 0.1);
  EXPECT_GT(corr["usdmxn"].second, 0.1);
  EXPECT_GT(corr["embi_col"].second, 0.1);
  EXPECT_LT(corr["brent"].second, 0.0);
  for (const auto& [var, rs] : corr) {
    // Same sign and at most 1.6x the real strength ("mild").
    EXPECT_GT(rs.first * rs.second, 0.0) << var;
    EXPECT_LE(std::fabs(rs.second), 1.6 * std::fabs(rs.first)) << var;
  }
}
