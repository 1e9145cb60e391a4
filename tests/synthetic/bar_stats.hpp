#pragma once
// Statistics computed the same way on the real bars (shared/data) and on synthetic ones.
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/calendar.hpp"
#include "market/bar.hpp"

namespace usdcop::synthetic_test {

// Bar-index windows (0 = 08:00 COT). Returns are indexed by their later bar, so 1..59.
inline constexpr int kFirstHourBegin = 1, kFirstHourEnd = 11;  // 08:05-08:55
inline constexpr int kMiddayBegin = 18, kMiddayEnd = 41;       // 09:30-11:25
inline constexpr int kLastHourBegin = 48, kLastHourEnd = 59;   // 12:00-12:55

struct BarStats {
  long bars = 0;
  long days = 0;            // trading days with a moving price
  double daily_vol = 0;     // sd of log close-to-close returns of consecutive days
  double acf_abs_lag1 = 0;  // autocorrelation of |daily return| at lag 1
  double gap_sd = 0;        // sd of log(first open / previous day's last close)
  double sd_5m = 0;         // sd of 5-minute log returns (consecutive bars of a day)
  double kurtosis_5m = 0;   // m4 / m2^2 (3 for a normal)
  double flat_share = 0;    // O=H=L=C
  double min_close = 0, max_close = 0;
  std::array<double, kBarsPerSession> rms_by_index{};  // from profile_from on
  double first_hour_ratio = 0;                         // mean rms first hour / mean rms midday
  double last_hour_ratio = 0;                          // mean rms last hour / mean rms midday
};

inline double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

inline double sd_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return v.size() < 2 ? 0 : std::sqrt(s / static_cast<double>(v.size() - 1));
}

inline double kurtosis_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double m2 = 0, m4 = 0;
  for (double x : v) {
    const double d = (x - m) * (x - m);
    m2 += d;
    m4 += d * d;
  }
  m2 /= static_cast<double>(v.size());
  m4 /= static_cast<double>(v.size());
  return m4 / (m2 * m2);
}

inline double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double ma = mean_of(a), mb = mean_of(b);
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

inline double window_mean(const std::array<double, kBarsPerSession>& p, int begin, int end) {
  double s = 0;
  for (int i = begin; i <= end; ++i) s += p[static_cast<size_t>(i)];
  return s / (end - begin + 1);
}

// Daily closes of trading days whose price moved (the real file has a few frozen days).
inline std::map<Date, double> daily_closes(const std::vector<market::Bar>& bars) {
  std::map<Date, std::vector<const market::Bar*>> by_day;
  for (const auto& b : bars) by_day[cot_date(b.time)].push_back(&b);
  std::map<Date, double> out;
  for (const auto& [day, v] : by_day) {
    if (!is_trading_day(day)) continue;
    bool moved = false;
    for (const auto* b : v) moved = moved || b->close != v.front()->close || !b->is_flat();
    if (moved) out[day] = v.back()->close;
  }
  return out;
}

// Bars must be sorted by time.
inline BarStats compute_stats(const std::vector<market::Bar>& bars, Date profile_from) {
  BarStats st;
  st.bars = static_cast<long>(bars.size());
  std::map<Date, std::vector<const market::Bar*>> by_day;
  for (const auto& b : bars) by_day[cot_date(b.time)].push_back(&b);

  std::vector<double> daily, gaps, r5;
  std::array<double, kBarsPerSession> sum_sq{};
  std::array<long, kBarsPerSession> count{};
  long flat = 0;
  st.min_close = 1e300;
  st.max_close = 0;
  double prev_close = 0;
  for (const auto& [day, v] : by_day) {
    if (!is_trading_day(day)) continue;
    bool moved = false;
    for (const auto* b : v) moved = moved || b->close != v.front()->close || !b->is_flat();
    if (!moved) continue;
    ++st.days;
    if (prev_close > 0) {
      daily.push_back(std::log(v.back()->close / prev_close));
      gaps.push_back(std::log(v.front()->open / prev_close));
    }
    prev_close = v.back()->close;
    for (size_t k = 0; k < v.size(); ++k) {
      const auto& b = *v[k];
      flat += b.is_flat() ? 1 : 0;
      st.min_close = std::min(st.min_close, b.close);
      st.max_close = std::max(st.max_close, b.close);
      if (k == 0) continue;
      const auto i = bar_index(b.time), j = bar_index(v[k - 1]->time);
      if (!i || !j || *i != *j + 1) continue;
      const double r = std::log(b.close / v[k - 1]->close);
      r5.push_back(r);
      if (day >= profile_from) {
        sum_sq[static_cast<size_t>(*i)] += r * r;
        ++count[static_cast<size_t>(*i)];
      }
    }
  }
  st.daily_vol = sd_of(daily);
  std::vector<double> abs_now, abs_prev;
  for (size_t k = 1; k < daily.size(); ++k) {
    abs_now.push_back(std::fabs(daily[k]));
    abs_prev.push_back(std::fabs(daily[k - 1]));
  }
  st.acf_abs_lag1 = correlation(abs_now, abs_prev);
  st.gap_sd = sd_of(gaps);
  st.sd_5m = sd_of(r5);
  st.kurtosis_5m = kurtosis_of(r5);
  st.flat_share = static_cast<double>(flat) / static_cast<double>(bars.size());
  for (size_t i = 1; i < kBarsPerSession; ++i)
    st.rms_by_index[i] = count[i] > 0 ? std::sqrt(sum_sq[i] / static_cast<double>(count[i])) : 0;
  const double mid = window_mean(st.rms_by_index, kMiddayBegin, kMiddayEnd);
  st.first_hour_ratio = window_mean(st.rms_by_index, kFirstHourBegin, kFirstHourEnd) / mid;
  st.last_hour_ratio = window_mean(st.rms_by_index, kLastHourBegin, kLastHourEnd) / mid;
  return st;
}

inline void print_stats(const char* label, const BarStats& s) {
  std::printf(
      "[%s] bars=%ld days=%ld daily_vol=%.4f%% acf|r|(1)=%.3f gap_sd=%.4f%% sd_5m=%.4f%% "
      "kurtosis_5m=%.2f flat_share=%.3f close=[%.2f, %.2f] first_hour/midday=%.3f "
      "last_hour/midday=%.3f\n",
      label, s.bars, s.days, 100 * s.daily_vol, s.acf_abs_lag1, 100 * s.gap_sd, 100 * s.sd_5m,
      s.kurtosis_5m, s.flat_share, s.min_close, s.max_close, s.first_hour_ratio, s.last_hour_ratio);
  std::printf("[%s] rms by bar index / midday:", label);
  const double mid = window_mean(s.rms_by_index, kMiddayBegin, kMiddayEnd);
  for (size_t i = 1; i < kBarsPerSession; ++i) std::printf(" %.2f", s.rms_by_index[i] / mid);
  std::printf("\n");
}

}  // namespace usdcop::synthetic_test
