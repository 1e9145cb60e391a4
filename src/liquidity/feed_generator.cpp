#include "liquidity/feed_generator.hpp"

#include <cmath>
#include <random>

namespace usdcop::liquidity {

namespace {

// Portable standard normal from a 64-bit engine (Box-Muller).
struct Gaussian {
  std::mt19937_64 rng;
  double operator()() {
    const double u1 = (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
    const double u2 = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }
};

double ramp(int day, int start, int length, double from, double to) {
  return from + (to - from) * static_cast<double>(day - start) / length;
}

double slope(int day) {
  return latent_level(day + 1) - latent_level(day);
}

enum class Schedule { daily, business, weekly };

bool publishes(Schedule s, Date d) {
  const std::chrono::weekday wd{d};
  if (s == Schedule::business) return wd != std::chrono::Saturday && wd != std::chrono::Sunday;
  if (s == Schedule::weekly) return wd == std::chrono::Wednesday;
  return true;
}

}  // namespace

double latent_level(int day) {
  if (day < 180) return 0;
  if (day < 300) return ramp(day, 180, 120, 0, 1);
  if (day < 420) return 1;
  if (day < 540) return ramp(day, 420, 120, 1, -1);
  if (day < 660) return -1;
  if (day < 780) return ramp(day, 660, 120, -1, 1);
  return 1;
}

FeedSeries generate_feeds(int days, uint64_t seed, Date last_day) {
  struct Feed {
    const char* id;
    Schedule schedule;
    double (*value)(int day, double noise);
  };
  static const Feed feeds[] = {
      {"macro/us/walcl_total_usd", Schedule::weekly,
       [](int d, double e) { return 7.5e12 * (1 + 0.08 * latent_level(d)) * (1 + 0.001 * e); }},
      {"macro/us/tga_balance_usd", Schedule::business,
       [](int d, double e) { return 7.0e11 * (1 - 0.15 * latent_level(d)) * (1 + 0.003 * e); }},
      {"macro/us/rrp_total_usd", Schedule::business,
       [](int d, double e) { return 5.0e11 * (1 - 0.4 * latent_level(d)) * (1 + 0.003 * e); }},
      {"crypto/etf/btc_net_flow_usd", Schedule::business,
       [](int d, double e) { return 2e8 * (0.5 + 60 * slope(d)) + 5e7 * e; }},
      {"crypto/etf/eth_net_flow_usd", Schedule::business,
       [](int d, double e) { return 6e7 * (0.5 + 60 * slope(d)) + 1.5e7 * e; }},
      {"crypto/stables/mcap_total_usd_yoy", Schedule::daily,
       [](int d, double e) { return 0.05 + 0.15 * latent_level(d) + 0.003 * e; }},
      {"cex/agg/spot_depth_2pct_usd", Schedule::daily,
       [](int d, double e) { return 6e8 * (1 + 0.25 * latent_level(d)) * (1 + 0.004 * e); }},
      {"cex/agg/perp_oi_usd", Schedule::daily,
       [](int d, double e) { return 3e10 * (1 + 0.3 * latent_level(d)) * (1 + 0.004 * e); }},
      {"dex/agg/active_liquidity_usd", Schedule::daily,
       [](int d, double e) { return 4e9 * (1 + 0.25 * latent_level(d)) * (1 + 0.004 * e); }},
  };
  FeedSeries out;
  const Date first_day = last_day - std::chrono::days(days - 1);
  uint64_t stream = 0;
  for (const auto& f : feeds) {
    Gaussian noise{std::mt19937_64(seed * 0x9E3779B97F4A7C15ULL + ++stream)};
    auto& series = out[f.id];
    const bool dex = std::string_view(f.id).starts_with("dex/");
    for (int i = 0; i < days; ++i) {
      const Date d = first_day + std::chrono::days(i);
      const double e = noise();  // drawn every day so schedules do not shift the stream
      if (!publishes(f.schedule, d)) continue;
      if (dex && i >= 330 && i <= 334) continue;  // outage: the feed goes stale
      series.push_back({utc_midnight(d), f.value(i, e)});
    }
  }
  return out;
}

}  // namespace usdcop::liquidity
