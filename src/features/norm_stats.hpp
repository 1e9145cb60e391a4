#pragma once
// Per-model normalization (spec 02): mean and population std of each market feature over the
// training split, a clip of 5, PSI reference deciles, the canonical JSON form and its hash.
#include <array>
#include <span>
#include <string>

#include "core/time.hpp"
#include "features/contract.hpp"
#include "features/feature_row.hpp"

namespace usdcop::features {

inline constexpr double kDefaultClip = 5.0;
inline constexpr int kPsiEdges = 9;  // inner decile edges
inline constexpr int kPsiBins = 10;

struct FeatureStat {
  double mean = 0;
  double std = 0;  // population (n)
};

// Bin k holds x with edges[k-1] < x <= edges[k] (bin 0: x <= edges[0]; bin 9: x > edges[8]).
struct PsiReference {
  std::array<double, kPsiEdges> edges{};
  std::array<double, kPsiBins> proportions{};
};

struct NormStats {
  std::string builder_version{kBuilderVersion};
  std::string feature_order_hash;
  double clip = kDefaultClip;
  Date train_start{};
  Date train_end{};
  std::array<FeatureStat, kMarketFeatureCount> stats{};  // contract order
  std::array<PsiReference, kMarketFeatureCount> psi{};   // contract order
};

// From the complete rows among `rows` (incomplete ones are skipped; the caller passes the
// training split, whose dates are recorded as given). Throws Error(invalid_input) when no row
// is complete.
NormStats compute_norm_stats(std::span<const FeatureRow> rows, Date train_start, Date train_end);
NormStats compute_norm_stats(std::span<const std::array<double, kMarketFeatureCount>> rows,
                             Date train_start, Date train_end);

// Keys sorted at every level, no spaces, numbers in the shortest round-trip form (digits from
// std::to_chars, laid out like Python's repr: "0.0006", "5.0", "9.042127679274034e-07"), i.e.
// the bytes of Python json.dumps(obj, sort_keys=True, separators=(",", ":")).
// Throws Error(invalid_input) on a non-finite number.
std::string format_canonical_number(double v);
std::string to_canonical_json(const NormStats& stats);
// Throws Error(invalid_input) naming the missing or malformed field.
NormStats parse_norm_stats(const std::string& json);
// sha256 of to_canonical_json (64 lowercase hex).
std::string norm_stats_hash(const NormStats& stats);
// Throws Error(integrity) when the stats were made for another builder version or order.
void check_compatible(const NormStats& stats);

// Bin (0..9) of a value against PSI reference edges.
int psi_bin(const PsiReference& ref, double x);

// clip((x - mean)/std, ±clip) for the 13 market slots (std 0 gives 0), then position and
// time_normalized unchanged. A NaN input stays NaN (callers pass complete vectors only).
std::array<float, kObservationSize> normalize_observation(
    const NormStats& stats, const std::array<double, kMarketFeatureCount>& market, int position,
    double time_normalized);

}  // namespace usdcop::features
