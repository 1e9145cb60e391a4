#include "market/synthetic.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <random>

#include "core/calendar.hpp"
#include "core/error.hpp"

namespace usdcop::market {

namespace {

// ---- Random numbers: mt19937_64 plus our own transforms (portable, unlike std distributions).

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream)
      : eng_(splitmix64(splitmix64(seed) ^ (stream * 0xd1b54a32d192ed03ULL))) {}

  // Uniform in the open interval (0, 1), 53 bits.
  double uniform() { return (static_cast<double>(eng_() >> 11) + 0.5) * 0x1.0p-53; }

  // Standard normal, Marsaglia's polar method.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u = 0, v = 0, s = 0;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }

  // Student-t with integer dof (>= 3), scaled to unit variance.
  double student_t(int dof) {
    const double z = normal();
    double chi2 = 0;
    for (int i = 0; i < dof; ++i) {
      const double n = normal();
      chi2 += n * n;
    }
    const double t = z / std::sqrt(chi2 / dof);
    return t * std::sqrt((dof - 2.0) / dof);
  }

 private:
  std::mt19937_64 eng_;
  double spare_ = 0;
  bool has_spare_ = false;
};

enum Stream : uint64_t { kBarStream = 1, kMacroStreamBase = 100 };

double round_to(double x, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(x * scale) / scale;
}

void validate(Date from, Date to, const SyntheticOptions& o) {
  auto bad = [](const std::string& what) {
    throw Error(ErrorKind::invalid_input, "synthetic market: " + what);
  };
  if (from > to) {
    throw Error(ErrorKind::invalid_input,
                "synthetic market: the first date " + format_date(from) + " is after the last " +
                    format_date(to),
                "from");
  }
  if (!(o.start_level > 0) || !(o.anchor_level > 0)) bad("levels must be positive");
  if (!(o.daily_vol > 0 && o.daily_vol < 0.2)) bad("daily_vol must be in (0, 0.2)");
  if (o.garch_alpha < 0 || o.garch_beta < 0 || o.garch_alpha + o.garch_beta >= 1)
    bad("GARCH alpha + beta must be < 1");
  if (o.intraday_alpha < 0 || o.intraday_beta < 0 || o.intraday_alpha + o.intraday_beta >= 1)
    bad("intraday alpha + beta must be < 1");
  if (o.overnight_share < 0 || o.overnight_share >= 1) bad("overnight_share must be in [0, 1)");
  if (o.student_t_dof < 3 || o.student_t_dof > 100) bad("student_t_dof must be in [3, 100]");
  if (o.jump_probability < 0 || o.jump_probability > 1 || o.flat_probability < 0 ||
      o.flat_probability > 0.5)
    bad("jump/flat probabilities out of range");
  if (o.mean_reversion < 0 || o.mean_reversion > 1) bad("mean_reversion must be in [0, 1]");
  if (o.open_decay_bars <= 0 || o.close_decay_bars <= 0 || o.open_boost < 0 || o.close_boost < 0)
    bad("intraday profile parameters must be positive");
}

std::array<double, kBarsPerSession> intraday_profile(const SyntheticOptions& o) {
  std::array<double, kBarsPerSession> m{};
  double sum_sq = 0;
  for (int i = 0; i < kBarsPerSession; ++i) {
    m[i] = 1.0 + o.open_boost * std::exp(-i / o.open_decay_bars) +
           o.close_boost * std::exp(-(kBarsPerSession - 1 - i) / o.close_decay_bars);
    sum_sq += m[i] * m[i];
  }
  const double norm = std::sqrt(sum_sq / kBarsPerSession);
  for (double& x : m) x /= norm;
  return m;
}

// ---- Bars.

struct BarPath {
  std::vector<Bar> bars;
  std::map<Date, double> daily_shock;  // trading day -> standardized close-to-close log return
};

BarPath generate_bars(Date from, Date to, uint64_t seed, const SyntheticOptions& o) {
  BarPath out;
  Rng rng(seed, kBarStream);
  const auto profile = intraday_profile(o);
  const double uncond_var = o.daily_vol * o.daily_vol;
  const double omega = uncond_var * (1.0 - o.garch_alpha - o.garch_beta);
  const double h_omega = 1.0 - o.intraday_alpha - o.intraday_beta;
  const double bar_var_share = (1.0 - o.overnight_share) / kBarsPerSession;
  const double log_anchor = std::log(o.anchor_level);

  double var = uncond_var;  // today's conditional daily variance
  double h = 1.0;           // intraday GARCH-like factor
  double log_p = std::log(o.start_level);
  bool first_day = true;
  double prev_close_log = log_p;

  out.bars.reserve(static_cast<size_t>((to - from).count() + 1) * kBarsPerSession * 5 / 7 +
                   kBarsPerSession);
  for (Date d = from; d <= to; d += std::chrono::days{1}) {
    const auto times = session_bar_times(d);
    if (times.empty()) continue;
    const double sigma = std::sqrt(var);
    if (!first_day) log_p += sigma * std::sqrt(o.overnight_share) * rng.student_t(o.student_t_dof);
    first_day = false;
    const double drift = -o.mean_reversion * (log_p - log_anchor) / kBarsPerSession;

    for (int i = 0; i < kBarsPerSession; ++i) {
      Bar b;
      b.time = times[static_cast<size_t>(i)];
      const double p_open = round_to(std::exp(log_p), 4);
      // Always draw the same number of variates per bar, so a flat bar does not shift the rest.
      const double u_flat = rng.uniform();
      const double z = rng.student_t(o.student_t_dof);
      const double u_jump = rng.uniform();
      const double z_jump = rng.normal();
      const double u_hi = rng.uniform();
      const double u_lo = rng.uniform();
      if (u_flat < o.flat_probability) {
        b.open = b.high = b.low = b.close = p_open;
        log_p = std::log(p_open);  // stays on the printed price, so the next open matches
      } else {
        const double s = sigma * std::sqrt(bar_var_share * h) * profile[static_cast<size_t>(i)];
        double r = drift + s * z;
        if (u_jump < o.jump_probability) r += o.jump_scale * sigma * z_jump;
        // Extremes of a Brownian bridge from 0 to r with variance s^2 over the bar.
        const double hi = 0.5 * (r + std::sqrt(r * r - 2.0 * s * s * std::log(u_hi)));
        const double lo = 0.5 * (r - std::sqrt(r * r - 2.0 * s * s * std::log(u_lo)));
        b.open = p_open;
        b.close = round_to(std::exp(log_p + r), 4);
        b.high = std::max({round_to(std::exp(log_p + hi), 4), b.open, b.close});
        b.low = std::min({round_to(std::exp(log_p + lo), 4), b.open, b.close});
        log_p += r;
        h = h_omega + o.intraday_alpha * z * z + o.intraday_beta * h;
        h = std::clamp(h, 0.2, 8.0);
      }
      out.bars.push_back(b);
    }

    const double close_log = std::log(out.bars.back().close);
    const double ret = close_log - prev_close_log;
    prev_close_log = close_log;
    out.daily_shock[d] = ret / sigma;
    var = omega + o.garch_alpha * ret * ret + o.garch_beta * var;
    var = std::clamp(var, 0.2 * uncond_var, 8.0 * uncond_var);
  }
  return out;
}

// ---- Macro.

enum class Space { log, level };

struct MacroSpec {
  const char* name;
  Space space;
  double mean;    // in natural units (log taken for Space::log)
  double kappa;   // mean reversion per observation day
  double vol;     // daily shock sd (log units or level units)
  double rho;     // correlation of the shock with USD/COP's standardized daily return
  double lo, hi;  // hard plausible range (natural units)
  int decimals;
  bool us_sourced;  // skips US holidays when options.skip_us_holidays
};

// Order = output order = synthetic_macro_variables().
constexpr std::array<MacroSpec, 11> kSpecs{{
    {"dxy", Space::log, 100.0, 0.010, 0.0045, 0.30, 80, 125, 3, true},
    {"vix", Space::log, 17.0, 0.050, 0.055, 0.25, 9, 85, 2, true},
    {"embi_col", Space::log, 250.0, 0.010, 0.020, 0.45, 120, 700, 0, false},
    {"brent", Space::log, 75.0, 0.006, 0.020, -0.35, 25, 150, 2, false},
    {"wti", Space::log, 71.0, 0.050, 0.008, 0.0, 20, 145, 2, true},  // brent * spread
    {"ust10y", Space::level, 4.0, 0.008, 0.060, 0.05, 0.5, 8, 2, true},
    {"ust2y", Space::level, 4.3, 0.008, 0.060, 0.05, 0.1, 8, 2, true},  // + 0.8 corr with 10y
    {"usdmxn", Space::log, 18.0, 0.008, 0.0075, 0.45, 13, 28, 4, true},
    {"ibr", Space::level, -0.20, 0.300, 0.020, 0.0, 0.5, 16, 3, false},  // tpm + spread
    {"tpm", Space::level, 9.25, 0.0, 0.0, 0.0, 2.0, 13.5, 2, false},     // step process
    {"col10y", Space::level, 10.5, 0.010, 0.080, 0.30, 6, 16, 3, false},
}};

constexpr size_t kDxy = 0, kVix = 1, kBrent = 3, kWti = 4, kUst10 = 5, kUst2 = 6, kIbr = 8,
                 kTpm = 9;

bool is_meeting_day(Date d) {
  // Banco de la República: eight policy meetings a year, modelled on the last weekday of
  // January, March, April, June, July, September, October and December.
  const std::chrono::year_month_day ymd{d};
  const unsigned m = static_cast<unsigned>(ymd.month());
  if (m == 2 || m == 5 || m == 8 || m == 11) return false;
  Date next = d + std::chrono::days{1};
  while (!is_weekday(next)) next += std::chrono::days{1};
  return std::chrono::year_month_day{next}.month() != ymd.month();
}

using MacroState = std::array<double, kSpecs.size()>;  // in the model space (log or level)

// The published value of variable v from the model state, clamped and rounded.
double observed_value(size_t v, const MacroState& x, double tpm) {
  const auto& s = kSpecs[v];
  double value = 0;
  if (v == kWti) {
    value = std::exp(x[kBrent] + x[kWti]);
  } else if (v == kTpm) {
    value = tpm;
  } else if (v == kIbr) {
    value = tpm + x[kIbr];
  } else {
    value = s.space == Space::log ? std::exp(x[v]) : x[v];
  }
  return round_to(std::clamp(value, s.lo, s.hi), s.decimals);
}

// Keeps the states inside the plausible range too (no drifting beyond a clamp).
void clamp_states(MacroState& x) {
  for (size_t v = 0; v < kSpecs.size(); ++v) {
    const auto& s = kSpecs[v];
    if (v == kWti || v == kIbr || v == kTpm) continue;
    if (s.space == Space::log)
      x[v] = std::clamp(x[v], std::log(s.lo), std::log(s.hi));
    else
      x[v] = std::clamp(x[v], s.lo, s.hi);
  }
}

std::vector<MacroObservation> generate_macro(Date from, Date to, uint64_t seed,
                                             const SyntheticOptions& o,
                                             const std::map<Date, double>& cop_shock) {
  std::vector<Rng> rngs;
  for (size_t v = 0; v < kSpecs.size(); ++v) rngs.emplace_back(seed, kMacroStreamBase + v);
  Rng common(seed, kMacroStreamBase + 50);  // shared shocks: US rates

  MacroState x{};
  for (size_t v = 0; v < kSpecs.size(); ++v)
    x[v] = kSpecs[v].space == Space::log ? std::log(kSpecs[v].mean) : kSpecs[v].mean;
  x[kWti] = std::log(71.0 / 75.0);  // WTI - Brent log spread
  double tpm = kSpecs[kTpm].mean;

  std::array<std::vector<MacroObservation>, kSpecs.size()> per_var;
  bool first = true;
  for (Date d = from; d <= to; d += std::chrono::days{1}) {
    if (!is_weekday(d)) continue;
    const auto it = cop_shock.find(d);
    const bool has_cop = it != cop_shock.end();
    const double zc = has_cop ? std::clamp(it->second, -4.0, 4.0) : 0.0;
    const double z_rates = common.normal();

    std::array<double, kSpecs.size()> z{};
    for (size_t v = 0; v < kSpecs.size(); ++v) {
      const double e = rngs[v].normal();
      const double rho = has_cop ? kSpecs[v].rho : 0.0;
      z[v] = rho * zc + std::sqrt(1.0 - rho * rho) * e;
    }
    z[kUst10] = 0.9 * z_rates + std::sqrt(1.0 - 0.81) * z[kUst10];
    z[kUst2] = 0.9 * z_rates + std::sqrt(1.0 - 0.81) * z[kUst2];
    // VIX spikes: rare upward jumps (then mean reversion brings it back).
    const double u_spike = rngs[kVix].uniform();
    const double spike = rngs[kVix].uniform();
    // Policy rate decision draws (always drawn, used on meeting days only).
    const double u_move = rngs[kTpm].uniform();
    const double u_dir = rngs[kTpm].uniform();
    const double u_size = rngs[kTpm].uniform();

    if (!first) {  // the first observation sits at the long-run level
      for (size_t v = 0; v < kSpecs.size(); ++v) {
        if (v == kTpm) continue;
        const auto& s = kSpecs[v];
        const double mu =
            v == kWti ? std::log(71.0 / 75.0) : (s.space == Space::log ? std::log(s.mean) : s.mean);
        x[v] += s.kappa * (mu - x[v]) + s.vol * z[v];
      }
      if (u_spike < 0.008) x[kVix] += 0.25 + 0.45 * spike;
      if (is_meeting_day(d) && u_move < 0.5) {
        const double p_up = 1.0 / (1.0 + std::exp((tpm - kSpecs[kTpm].mean) / 1.0));
        const double step = u_size < 0.7 ? 0.25 : 0.50;
        tpm += u_dir < p_up ? step : -step;
      }
      tpm = std::clamp(tpm, kSpecs[kTpm].lo, kSpecs[kTpm].hi);
    }
    first = false;

    for (size_t v = 0; v < kSpecs.size(); ++v) {
      const auto& s = kSpecs[v];
      if (o.skip_us_holidays && s.us_sourced && is_us_holiday(d)) continue;
      per_var[v].push_back(MacroObservation{s.name, d, observed_value(v, x, tpm),
                                            available_at(d, 1), kSyntheticSource, false});
    }
    clamp_states(x);
  }

  std::vector<MacroObservation> out;
  for (auto& v : per_var)
    out.insert(out.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
  return out;
}

}  // namespace

const std::vector<std::string>& synthetic_macro_variables() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& s : kSpecs) n.emplace_back(s.name);
    return n;
  }();
  return names;
}

double synthetic_intraday_multiplier(int bar_index, const SyntheticOptions& options) {
  if (bar_index < 0 || bar_index >= kBarsPerSession) throw std::out_of_range("bar_index");
  return intraday_profile(options)[static_cast<size_t>(bar_index)];
}

SyntheticMarket::SyntheticMarket(uint64_t seed, SyntheticOptions options)
    : seed_(seed), options_(options) {}

SyntheticData SyntheticMarket::generate(Date from, Date to) const {
  validate(from, to, options_);
  BarPath path = generate_bars(from, to, seed_, options_);
  SyntheticData out;
  if (options_.macro) out.macro = generate_macro(from, to, seed_, options_, path.daily_shock);
  out.bars = std::move(path.bars);
  return out;
}

std::vector<Bar> SyntheticMarket::bars(Date from, Date to) const {
  validate(from, to, options_);
  return generate_bars(from, to, seed_, options_).bars;
}

std::vector<MacroObservation> SyntheticMarket::macro(Date from, Date to) const {
  validate(from, to, options_);
  return generate_macro(from, to, seed_, options_,
                        generate_bars(from, to, seed_, options_).daily_shock);
}

SyntheticData generate_synthetic(Date from, Date to, uint64_t seed,
                                 const SyntheticOptions& options) {
  return SyntheticMarket(seed, options).generate(from, to);
}

}  // namespace usdcop::market
