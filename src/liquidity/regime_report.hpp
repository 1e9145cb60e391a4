#pragma once
// What `usdcop liquidity show` prints and /api/liquidity/v1/regime/latest|scoreboard|hints will
// return (docs/FEATURE_STORE.md): typed views of a stored RegimeDay, and the flip alert payload.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "liquidity/regime_engine.hpp"

namespace usdcop::liquidity {

// GET /regime/latest: {state, confidence, components {gl, cn, mp}, score, score_0_100,
// updated_at, candidate, candidate_since, date}.
nlohmann::json regime_latest_json(const RegimeDay& day, Timestamp updated_at);

// GET /scoreboard: score, components, coherence, and per feed its raw value, z-score and
// freshness (age in seconds at the grid time, stale flag).
nlohmann::json scoreboard_json(const RegimeDay& day);

// GET /hints: advisory text per sleeve (market_neutral, directional, yield); never an order.
struct SleeveHint {
  std::string sleeve, hint;
};
std::vector<SleeveHint> hints_for(Regime state);
nlohmann::json hints_json(const RegimeDay& day);

// The facts of a GREEN -> RED candidate alert while GREEN is published (spec 12): recorded in
// liq.regime_alerts and sent on usdcop_alerts as the alert's own fields (docs/EVENTS.md).
nlohmann::json flip_alert_payload(const RegimeDay& day);

// Spec 10's gauges for one regime day: liquidity_score{block=total|gl|cn|mp} (the smoothed score
// and the components), liquidity_regime_state{state} (1 for the published state, 0 for the
// others), liquidity_component_zscore{component} (each feed's z-score, by feature id),
// liquidity_coherence.
struct RegimeMetric {
  std::string name, label_name, label_value;
  double value = 0;
};
std::vector<RegimeMetric> regime_metrics(const RegimeDay& day);
inline constexpr const char* kFlipAlertKind = "liquidity_green_to_red_candidate";

}  // namespace usdcop::liquidity
