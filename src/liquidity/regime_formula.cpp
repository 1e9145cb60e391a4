#include "liquidity/regime_formula.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace usdcop::liquidity {

const char* to_string(Regime r) {
  switch (r) {
    case Regime::GREEN:
      return "GREEN";
    case Regime::YELLOW:
      return "YELLOW";
    case Regime::RED:
      return "RED";
  }
  return "YELLOW";
}

Regime parse_regime(const std::string& s) {
  if (s == "GREEN") return Regime::GREEN;
  if (s == "YELLOW") return Regime::YELLOW;
  if (s == "RED") return Regime::RED;
  throw Error(ErrorKind::invalid_input, "regime must be GREEN|YELLOW|RED, got '" + s + "'");
}

std::optional<double> trailing_zscore(std::span<const double> v, std::size_t window, double clip) {
  if (window < 2 || v.size() != window) return std::nullopt;
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(window);
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / static_cast<double>(window - 1));
  // A constant window (up to rounding of the mean) gives 0, not a huge ratio of rounding noise.
  if (!(sd > 1e-12 * std::max(1.0, std::abs(mean)))) return 0.0;
  return std::clamp((v.back() - mean) / sd, -clip, clip);
}

std::optional<double> component_score(std::span<const WeightedZ> feeds) {
  double num = 0, den = 0;
  for (const auto& f : feeds) {
    if (!f.z) continue;
    num += f.weight * *f.z;
    den += std::abs(f.weight);
  }
  if (den == 0) return std::nullopt;
  return num / den;
}

std::optional<double> raw_score(const std::array<std::optional<double>, 3>& c,
                                const std::array<double, 3>& w) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    if (!c[i]) continue;
    num += w[i] * *c[i];
    den += w[i];
  }
  if (den == 0) return std::nullopt;
  return num / den;
}

double ema_step(std::optional<double> previous, double raw, double alpha) {
  return previous ? alpha * raw + (1 - alpha) * *previous : raw;
}

double score_0_100(double smoothed) {
  return 50 + 50 * std::clamp(smoothed / 3, -1.0, 1.0);
}

Regime candidate_regime(const CandidateInputs& in, double green, double red) {
  const bool flows_out = in.etf_flow_5d_sum && *in.etf_flow_5d_sum < 0;
  if (in.smoothed < red || (in.rrp_rising && in.tga_rising && flows_out)) return Regime::RED;
  if (in.smoothed > green && in.etf_flow_today && *in.etf_flow_today > 0 && in.stables_yoy &&
      *in.stables_yoy > 0)
    return Regime::GREEN;
  return Regime::YELLOW;
}

ConfirmationStep confirm(const Confirmation& state, Regime candidate, Timestamp t,
                         std::chrono::hours confirmation) {
  ConfirmationStep out;
  auto& n = out.next;
  n = state;
  if (!state.started) {
    n = {Regime::YELLOW, candidate, t, true};
  } else if (candidate != state.candidate) {
    out.flip_alert = candidate == Regime::RED && state.published == Regime::GREEN;
    n.candidate = candidate;
    n.candidate_since = t;
  }
  if (n.candidate != n.published && t - n.candidate_since >= confirmation)
    n.published = n.candidate;
  return out;
}

double coherence(const std::array<std::optional<double>, 3>& c, double smoothed) {
  const auto sign = [](double x) { return (x > 0) - (x < 0); };
  int agree = 0;
  for (const auto& x : c)
    if (x && sign(*x) == sign(smoothed)) ++agree;
  return agree / 3.0;
}

double confidence(double coh, int stale_components, double stale_factor) {
  return coh * std::pow(stale_factor, stale_components);
}

}  // namespace usdcop::liquidity
