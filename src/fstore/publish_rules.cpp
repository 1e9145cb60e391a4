#include "fstore/publish_rules.hpp"

#include <cmath>
#include <map>
#include <sstream>

namespace usdcop::fstore {

FeatureCatalog::FeatureCatalog(std::vector<FeatureSpec> specs) : specs_(std::move(specs)) {
  for (std::size_t i = 0; i < specs_.size(); ++i)
    if (specs_[i].active) by_id_[specs_[i].id] = i;
}

const FeatureSpec* FeatureCatalog::find(const std::string& id) const {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &specs_[it->second];
}

namespace {

std::string num(double v) {
  std::ostringstream s;
  s.precision(10);
  s << v;
  return s.str();
}

// Empty when the point passes the rules that need no other point.
std::string single_point_reason(const FeaturePoint& p, const FeatureCatalog& catalog, Timestamp now,
                                const PublishLimits& limits) {
  const FeatureSpec* spec = catalog.find(p.feature_id);
  if (is_platform_macro_input(p.feature_id))
    return "featureId: '" + p.feature_id +
           "' is a read-only platform macro input (market.macro_observations); publish it with "
           "usdcop ingest";
  if (!spec) return "featureId: unknown feature '" + p.feature_id + "'";
  if (!std::isfinite(p.value)) return "value: not a finite number";
  const auto b = publish_bounds(*spec);
  if (p.value < b.lo || p.value > b.hi)
    return "value: " + num(p.value) + " is outside 10x the expected range [" + num(spec->range_lo) +
           ", " + num(spec->range_hi) + "] (allowed [" + num(b.lo) + ", " + num(b.hi) + "])";
  if (p.ts > now + limits.future_tolerance)
    return "ts: " + format_rfc3339(p.ts) + " is more than " +
           std::to_string(limits.future_tolerance.count() / 1000) + " s in the future (now " +
           format_rfc3339(now) + ")";
  if (limits.retention_horizon && p.ts < *limits.retention_horizon)
    return "ts: " + format_rfc3339(p.ts) + " is before the retention horizon " +
           format_rfc3339(*limits.retention_horizon);
  if (!(p.confidence >= 0 && p.confidence <= 1)) return "confidence: must be in 0..1";
  return "";
}

}  // namespace

ScreenedBatch screen_points(const std::vector<FeaturePoint>& points, const FeatureCatalog& catalog,
                            Timestamp now, const PublishLimits& limits) {
  ScreenedBatch out;
  std::map<std::pair<std::string, Timestamp>, std::size_t> first_index;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    auto reason = single_point_reason(p, catalog, now, limits);
    if (reason.empty()) {
      const auto [it, inserted] = first_index.try_emplace({p.feature_id, p.ts}, i);
      if (!inserted && points[it->second].value != p.value)
        reason = "duplicate of index " + std::to_string(it->second) + " with a different value (" +
                 num(points[it->second].value) + ")";
    }
    if (reason.empty())
      out.candidates.push_back(i);
    else
      out.errors.push_back({i, std::move(reason)});
  }
  return out;
}

std::string conflicting_duplicate_reason(double stored_value) {
  return "duplicate with a different value: " + num(stored_value) + " is stored at this ts";
}

}  // namespace usdcop::fstore
