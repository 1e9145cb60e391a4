#pragma once
// The steps of the liquidity regime formula (spec 10 "Liquidity regime", spec 12 decisions),
// each a pure function so that tests can check them by hand.
#include <array>
#include <optional>
#include <span>
#include <string>

#include "core/time.hpp"

namespace usdcop::liquidity {

enum class Regime { GREEN, YELLOW, RED };
const char* to_string(Regime r);
Regime parse_regime(const std::string& s);  // throws Error(invalid_input)

// Step 1: z-score of the last value against the window ending with it (sample sd, n - 1),
// clipped to +-clip. nullopt unless exactly `window` values are given (a full window); a
// constant window gives 0.
std::optional<double> trailing_zscore(std::span<const double> window_values, std::size_t window,
                                      double clip);

// Step 2: a component from its feeds' (signed weight, z) pairs: sum(w * z) / sum(|w|) over the
// feeds that have a z-score; nullopt when none has one.
struct WeightedZ {
  double weight;
  std::optional<double> z;
};
std::optional<double> component_score(std::span<const WeightedZ> feeds);

// Step 3a: raw score = weighted mean of the usable components (weights renormalised over them).
std::optional<double> raw_score(const std::array<std::optional<double>, 3>& components,
                                const std::array<double, 3>& weights);
// Step 3b: EMA seeded with the first raw score.
double ema_step(std::optional<double> previous, double raw, double alpha);
// Step 4: 50 + 50 * clip(smoothed / 3, -1, 1).
double score_0_100(double smoothed);

// Step 5: the candidate. Strict thresholds; RED wins a tie.
struct CandidateInputs {
  double smoothed = 0;
  std::optional<double> etf_flow_today;  // BTC + ETF net flow as of the grid point
  std::optional<double> stables_yoy;
  bool rrp_rising = false;  // above its value rising_lag_days grid points earlier
  bool tga_rising = false;
  std::optional<double> etf_flow_5d_sum;
};
Regime candidate_regime(const CandidateInputs& in, double green_threshold, double red_threshold);

// Step 6: confirmation. The published regime starts YELLOW on the first scored day and takes
// the candidate once it has held for `confirmation` (first seen at candidate_since).
struct Confirmation {
  Regime published = Regime::YELLOW;
  Regime candidate = Regime::YELLOW;
  Timestamp candidate_since{};
  bool started = false;
};
struct ConfirmationStep {
  Confirmation next;
  bool flip_alert = false;  // first day of a RED candidate while GREEN is published
};
ConfirmationStep confirm(const Confirmation& state, Regime candidate, Timestamp grid_time,
                         std::chrono::hours confirmation);

// Step 7: share of the three components whose sign equals the sign of the smoothed score
// (a missing component does not agree), then multiplied by stale_factor per component with a
// stale feed.
double coherence(const std::array<std::optional<double>, 3>& components, double smoothed);
double confidence(double coherence, int components_with_stale_feed, double stale_factor);

}  // namespace usdcop::liquidity
