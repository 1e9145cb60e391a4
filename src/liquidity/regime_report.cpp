#include "liquidity/regime_report.hpp"

namespace usdcop::liquidity {

using nlohmann::json;

namespace {
json opt(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}
json components(const RegimeDay& d) {
  return {{"gl", opt(d.components[0])}, {"cn", opt(d.components[1])}, {"mp", opt(d.components[2])}};
}
}  // namespace

json regime_latest_json(const RegimeDay& d, Timestamp updated_at) {
  return {{"date", format_date(d.date)},
          {"state", to_string(d.state)},
          {"confidence", d.confidence},
          {"components", components(d)},
          {"score", d.smoothed},
          {"score_0_100", d.score_0_100},
          {"updated_at", format_rfc3339(updated_at)},
          {"candidate", to_string(d.candidate)},
          {"candidate_since", format_date(d.candidate_since)},
          {"scored", d.scored}};
}

json scoreboard_json(const RegimeDay& d) {
  json feeds = json::array();
  const Timestamp t = utc_midnight(d.date);
  for (const auto& f : d.feeds) {
    json age = nullptr;
    if (f.ts) age = std::chrono::duration<double>(t - *f.ts).count();
    feeds.push_back({{"feature_id", f.feature_id},
                     {"component", to_string(f.component)},
                     {"raw", opt(f.raw)},
                     {"z", opt(f.z)},
                     {"ts", f.ts ? json(format_rfc3339(*f.ts)) : json(nullptr)},
                     {"age_s", age},
                     {"stale", f.stale}});
  }
  return {
      {"date", format_date(d.date)}, {"state", to_string(d.state)},  {"score", d.smoothed},
      {"raw_score", opt(d.raw)},     {"score_0_100", d.score_0_100}, {"components", components(d)},
      {"coherence", d.coherence},    {"confidence", d.confidence},   {"feeds", feeds}};
}

std::vector<SleeveHint> hints_for(Regime state) {
  switch (state) {
    case Regime::GREEN:
      return {{"market_neutral",
               "Liquidity is expanding: basis and funding carry are usually "
               "available; normal sizing."},
              {"directional",
               "Risk appetite is supported; directional exposure may run at full "
               "risk budget with the usual stops."},
              {"yield", "Deploy idle balances; spreads on stable yield are typically compressed."}};
    case Regime::RED:
      return {{"market_neutral",
               "Liquidity is draining: expect wider spreads and thinner books; "
               "reduce size and widen execution tolerances."},
              {"directional",
               "Cut gross exposure and tighten stops; avoid adding risk until the "
               "regime improves."},
              {"yield", "Prefer the shortest, most liquid venues; keep redemptions available."}};
    case Regime::YELLOW:
      break;
  }
  return {{"market_neutral", "Mixed liquidity signals: keep neutral books, normal size."},
          {"directional", "No liquidity tailwind: reduce conviction-weighted sizing."},
          {"yield", "Stay diversified; no change to allocations is suggested."}};
}

json hints_json(const RegimeDay& d) {
  json sleeves = json::object();
  for (const auto& h : hints_for(d.state)) sleeves[h.sleeve] = h.hint;
  return {{"date", format_date(d.date)},
          {"state", to_string(d.state)},
          {"confidence", d.confidence},
          {"advisory", true},
          {"hints", sleeves}};
}

json flip_alert_payload(const RegimeDay& d) {
  return {{"kind", kFlipAlertKind},
          {"severity", "warning"},
          {"date", format_date(d.date)},
          {"published", to_string(d.state)},
          {"candidate", to_string(d.candidate)},
          {"score", d.smoothed},
          {"confidence", d.confidence},
          {"message", "liquidity regime candidate turned RED while GREEN is published (" +
                          format_date(d.date) + "); unconfirmed for now"}};
}

std::vector<RegimeMetric> regime_metrics(const RegimeDay& d) {
  std::vector<RegimeMetric> out{{"liquidity_score", "block", "total", d.smoothed}};
  for (const auto c : kComponents) {
    const auto& v = d.components[static_cast<std::size_t>(c)];
    if (v) out.push_back({"liquidity_score", "block", to_string(c), *v});
  }
  for (const auto r : {Regime::GREEN, Regime::YELLOW, Regime::RED})
    out.push_back({"liquidity_regime_state", "state", to_string(r), d.state == r ? 1.0 : 0.0});
  for (const auto& f : d.feeds)
    if (f.z) out.push_back({"liquidity_component_zscore", "component", f.feature_id, *f.z});
  out.push_back({"liquidity_coherence", "", "", d.coherence});
  return out;
}

}  // namespace usdcop::liquidity
