#include "fstore/quality_gates.hpp"

namespace usdcop::fstore {

nlohmann::json QualityGates::to_json() const {
  return {{"coverage", coverage ? nlohmann::json(*coverage) : nlohmann::json(nullptr)},
          {"coverage_ok", coverage_ok},
          {"freshness_s", freshness_s ? nlohmann::json(*freshness_s) : nlohmann::json(nullptr)},
          {"freshness_ok", freshness_ok},
          {"out_of_range", out_of_range},
          {"range_ok", range_ok},
          {"failure_rate", failure_rate},
          {"failure_rate_ok", failure_rate_ok},
          {"pass", pass()}};
}

QualityGates evaluate_quality(const FeatureSpec& spec, const std::vector<FeaturePoint>& window,
                              std::optional<double> coverage, std::optional<Timestamp> newest,
                              const IngestCounts& counts, Timestamp now) {
  QualityGates g;
  g.coverage = coverage;
  g.coverage_ok = !coverage || *coverage >= kMinCoverage;
  if (newest) {
    g.freshness_s = std::chrono::duration<double>(now - *newest).count();
    g.freshness_ok =
        *g.freshness_s * 1000.0 <= kFreshnessTtlFactor * static_cast<double>(spec.ttl_ms);
  }
  for (const auto& p : window)
    if (p.value < spec.range_lo || p.value > spec.range_hi) ++g.out_of_range;
  g.range_ok = g.out_of_range == 0;
  const long total = counts.accepted + counts.rejected;
  g.failure_rate =
      total == 0 ? 0.0 : static_cast<double>(counts.rejected) / static_cast<double>(total);
  g.failure_rate_ok = g.failure_rate <= kMaxFailureRate;
  return g;
}

}  // namespace usdcop::fstore
