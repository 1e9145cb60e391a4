#pragma once
// A deterministic synthetic USD/COP market (spec 01, "Synthetic market generator"): session
// bars (60 per trading day, 08:00-12:55 COT, weekends and Colombian holidays skipped) and the
// daily macro catalog series, for demos and tests on a machine without real data.
//
// Model (docs/SYNTHETIC_DATA.md has the parameters and the real-vs-synthetic figures):
//  - daily variance follows GARCH(1,1) on the close-to-close log return; a small share of it is
//    the overnight gap, the rest is spread over the 60 bars with a U-shaped intraday profile;
//  - 5-minute shocks are Student-t (fat tails) scaled by an intraday GARCH-like factor, plus
//    rare normal jumps; a small share of bars is flat (O=H=L=C, price unchanged);
//  - high/low are drawn from the Brownian-bridge extremes of each bar; prices have 4 decimals;
//  - the log level mean-reverts weakly to an anchor (default 4,000);
//  - macro series are mean-reverting random walks (log or level), several of whose daily
//    shocks are correlated with USD/COP's standardized daily return (DXY, USD/MXN, EMBI, VIX
//    positively; Brent negatively).
//
// Determinism: the same (from, to, seed, options) gives byte-identical output on every run.
// The generator uses std::mt19937_64 (fully specified by the standard) and its own uniform,
// normal (Marsaglia polar) and Student-t transforms, never std::*_distribution (whose output is
// implementation-defined). Results depend on libm's log/exp/sqrt, which are the same for a given
// platform; across C libraries the last bits could differ (rounding to 4 decimals hides it
// almost always). Bars, the macro series and each macro variable use separate random streams
// derived from the seed, so changing one part never shifts the others. A different `from`
// starts a different path (the path is not a window of an infinite one).
#include <cstdint>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "market/bar.hpp"
#include "market/macro.hpp"

namespace usdcop::market {

inline constexpr const char* kSyntheticSource = "synthetic";

struct SyntheticOptions {
  // Level.
  double start_level = 4000.0;    // open of the first bar
  double anchor_level = 4000.0;   // the log level mean-reverts toward this
  double mean_reversion = 0.003;  // per trading day, on log(level / anchor)

  // Daily volatility: GARCH(1,1) on the close-to-close log return.
  double daily_vol = 0.0070;  // unconditional daily volatility (diffusion; jumps add a little)
  double garch_alpha = 0.10;
  double garch_beta = 0.86;
  double overnight_share = 0.09;  // share of the daily variance in the overnight gap

  // Intraday profile of the per-bar volatility multiplier (before normalization):
  // 1 + open_boost * exp(-i / open_decay_bars) + close_boost * exp(-(59 - i) / close_decay_bars).
  double open_boost = 1.6;
  double open_decay_bars = 4.0;
  double close_boost = 0.5;
  double close_decay_bars = 3.5;

  // 5-minute shocks.
  int student_t_dof = 5;         // >= 3; unit variance after scaling
  double intraday_alpha = 0.04;  // intraday GARCH-like factor h (mean 1)
  double intraday_beta = 0.90;
  double jump_probability = 0.003;  // per bar
  double jump_scale = 0.6;          // jump sd as a multiple of the day's volatility
  double flat_probability = 0.03;   // per bar: O=H=L=C, price unchanged

  // Macro.
  bool macro = true;
  bool skip_us_holidays = true;  // US-sourced series (dxy, vix, wti, ust10y, ust2y, usdmxn)
};

struct SyntheticData {
  std::vector<Bar> bars;                // ordered by time; volume 0 (like the real FX feed)
  std::vector<MacroObservation> macro;  // by variable (synthetic_macro_variables order), then date
};

// The variables generated, in output order: dxy, vix, embi_col, brent, wti, ust10y, ust2y,
// usdmxn, ibr, tpm, col10y.
const std::vector<std::string>& synthetic_macro_variables();

// The normalized intraday volatility multiplier of bar_index 0..59 (mean square 1).
double synthetic_intraday_multiplier(int bar_index, const SyntheticOptions& options = {});

class SyntheticMarket {
 public:
  explicit SyntheticMarket(uint64_t seed, SyntheticOptions options = {});

  // COT dates, both inclusive. Throws Error(invalid_input) when from > to or the options are
  // out of range. Bars: one session per trading day; macro: one value per weekday (US-sourced
  // series skip US holidays when options.skip_us_holidays), observation at the daily close,
  // available_at(date, 1), source "synthetic".
  SyntheticData generate(Date from, Date to) const;
  std::vector<Bar> bars(Date from, Date to) const;
  std::vector<MacroObservation> macro(Date from, Date to) const;

  uint64_t seed() const { return seed_; }
  const SyntheticOptions& options() const { return options_; }

 private:
  uint64_t seed_;
  SyntheticOptions options_;
};

// Shorthand for SyntheticMarket(seed, options).generate(from, to).
SyntheticData generate_synthetic(Date from, Date to, uint64_t seed,
                                 const SyntheticOptions& options = {});

}  // namespace usdcop::market
