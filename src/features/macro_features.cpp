#include "features/macro_features.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace usdcop::features {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
enum Var { kDxy = 0, kVix, kEmbi, kBrent, kUst10y, kUst2y, kUsdmxn };

// Slot (0..6 relative to kFirstMacroSlot) of each macro feature.
enum Slot { sDxyZ = 0, sDxyChg, sVixZ, sEmbiZ, sBrentChg, sRateSpread, sUsdmxnChg };

std::size_t count_available(const MacroInputs::Variable& v, Timestamp t) {
  return static_cast<std::size_t>(
      std::upper_bound(v.available_at.begin(), v.available_at.end(), t) - v.available_at.begin());
}

bool fresh(const MacroInputs::Variable& v, std::size_t count, Timestamp t) {
  return count > 0 && t - v.available_at[count - 1] <= v.stale_after;
}

// One snapshot from the available counts n. The value functions say where z-scores and
// day-over-day changes come from: the per-observation tables (the builder's cached path) or a
// recomputation over the window (the reference path); everything else is shared.
template <class ZscoreOf, class ChangeOf>
MacroSnapshot assemble_snapshot(const MacroInputs& in,
                                const std::array<std::size_t, kMacroFeatureCount>& n, Timestamp t,
                                ZscoreOf zscore_of, ChangeOf change_of) {
  MacroSnapshot s;
  auto set = [&s](int slot, bool ok, double value) {
    if (ok && !std::isnan(value)) {
      s.values[static_cast<std::size_t>(slot)] = value;
    } else {
      s.values[static_cast<std::size_t>(slot)] = kNaN;
      s.missing_mask |= 1u << slot;
    }
  };
  auto z = [&](int var, int slot) {
    const auto& v = in.variable(var);
    const std::size_t c = n[static_cast<std::size_t>(var)];
    set(slot, fresh(v, c, t), c > 0 ? zscore_of(v, c) : kNaN);
  };
  auto chg = [&](int var, int slot) {
    const auto& v = in.variable(var);
    const std::size_t c = n[static_cast<std::size_t>(var)];
    set(slot, fresh(v, c, t) && c >= 2, c >= 2 ? change_of(v, c) : kNaN);
  };
  z(kDxy, sDxyZ);
  chg(kDxy, sDxyChg);
  z(kVix, sVixZ);
  z(kEmbi, sEmbiZ);
  chg(kBrent, sBrentChg);
  {
    const auto& a = in.variable(kUst10y);
    const auto& b = in.variable(kUst2y);
    const std::size_t ca = n[kUst10y], cb = n[kUst2y];
    const bool ok = fresh(a, ca, t) && fresh(b, cb, t);
    set(sRateSpread, ok, ok ? a.values[ca - 1] - b.values[cb - 1] : kNaN);
  }
  chg(kUsdmxn, sUsdmxnChg);
  return s;
}

// The builder's path: derived values from the per-observation tables (computed once per
// observation by macro_zscore / macro_change).
MacroSnapshot snapshot_from_counts(const MacroInputs& in,
                                   const std::array<std::size_t, kMacroFeatureCount>& n,
                                   Timestamp t) {
  return assemble_snapshot(
      in, n, t, [](const MacroInputs::Variable& v, std::size_t c) { return v.zscore[c - 1]; },
      [](const MacroInputs::Variable& v, std::size_t c) { return v.change[c - 1]; });
}

}  // namespace

double macro_zscore(std::span<const double> window) {
  const std::size_t n = window.size();
  if (n < static_cast<std::size_t>(kZscoreMinObservations)) return kNaN;
  const double x0 = window[n - 1];
  // All equal: the std is 0 by definition (a rounded mean could leave a tiny residual).
  if (std::all_of(window.begin(), window.end(), [&](double x) { return x == x0; })) return 0.0;
  double sum = 0;
  for (const double x : window) sum += x;
  const double mean = sum / static_cast<double>(n);
  double ss = 0;  // two-pass
  for (const double x : window) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / static_cast<double>(n - 1));
  if (sd == 0.0) return 0.0;
  return std::clamp((x0 - mean) / sd, -kZscoreClip, kZscoreClip);
}

MacroInputs::MacroInputs(const std::map<std::string, market::MacroSeries>& series,
                         const market::MacroCatalog& catalog) {
  for (int i = 0; i < kMacroFeatureCount; ++i) {
    const std::string name{kMacroVariables[static_cast<std::size_t>(i)]};
    auto& v = vars_[static_cast<std::size_t>(i)];
    if (const auto* def = catalog.find(name)) v.stale_after = std::chrono::days{def->stale_days};
    const auto it = series.find(name);
    if (it == series.end()) continue;
    for (const auto& o : it->second.observations()) {
      v.available_at.push_back(o.available_at);
      v.values.push_back(o.value);
    }
    const std::size_t n = v.values.size();
    v.zscore.resize(n);
    v.change.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t first = k + 1 > kZscoreWindow ? k + 1 - kZscoreWindow : 0;
      v.zscore[k] = macro_zscore(std::span<const double>(v.values).subspan(first, k + 1 - first));
      v.change[k] = k > 0 ? macro_change(v.values[k - 1], v.values[k]) : kNaN;
    }
  }
}

MacroInputs MacroInputs::load(market::MacroStore& store, const market::MacroCatalog& catalog) {
  std::map<std::string, market::MacroSeries> series;
  for (const auto name : kMacroVariables) {
    const std::string n{name};
    series.emplace(n, market::MacroSeries(store.load_variable(n)));
  }
  return MacroInputs(series, catalog);
}

MacroSnapshot compute_macro_snapshot(const MacroInputs& in, Timestamp t) {
  // Independent of the per-observation tables: windows are recomputed here.
  std::array<std::size_t, kMacroFeatureCount> n{};
  for (int i = 0; i < kMacroFeatureCount; ++i)
    n[static_cast<std::size_t>(i)] = count_available(in.variable(i), t);
  return assemble_snapshot(
      in, n, t,
      [](const MacroInputs::Variable& v, std::size_t c) {
        const std::size_t first = c > kZscoreWindow ? c - kZscoreWindow : 0;
        return macro_zscore(std::span<const double>(v.values).subspan(first, c - first));
      },
      [](const MacroInputs::Variable& v, std::size_t c) {
        return macro_change(v.values[c - 2], v.values[c - 1]);
      });
}

void MacroCursor::refresh(Timestamp t) {
  const MacroInputs& in = *inputs_;
  Timestamp until = Timestamp::max();
  for (int i = 0; i < kMacroFeatureCount; ++i) {
    const auto& v = in.variable(i);
    auto& c = counts_[static_cast<std::size_t>(i)];
    if (t >= valid_from_ && valid_from_ != Timestamp::max()) {
      while (c < v.available_at.size() && v.available_at[c] <= t) ++c;  // forward: advance
    } else {
      c = count_available(v, t);
    }
    if (c < v.available_at.size()) until = std::min(until, v.available_at[c]);
    if (c > 0) {
      // Stale once t - available_at > limit, i.e. from available_at + limit + 1 µs on.
      const Timestamp deadline =
          v.available_at[c - 1] + v.stale_after + std::chrono::microseconds{1};
      if (deadline > t) until = std::min(until, deadline);
    }
  }
  snapshot_ = snapshot_from_counts(in, counts_, t);
  valid_from_ = t;
  valid_until_ = until;
}

}  // namespace usdcop::features
