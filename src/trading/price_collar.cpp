#include "trading/price_collar.hpp"

#include <cmath>

namespace usdcop::trading {

void add_collar_flags(FlaggedBars& into, const std::vector<market::BarFlag>& flags) {
  for (const auto& f : flags) {
    if (f.rule != "jump" && f.rule != "holiday") continue;
    std::string& rules = into[f.time];
    if (rules.find(f.rule) != std::string::npos) continue;
    rules += (rules.empty() ? "" : ",") + f.rule;
  }
}

double collared_target(double position, double target) {
  if (target == 0) return 0.0;
  const bool same_side = position != 0 && (target > 0) == (position > 0);
  if (!same_side) return 0.0;
  return std::abs(target) <= std::abs(position) ? target : position;
}

CollarDecision apply_price_collar(const FlaggedBars* flagged, Timestamp time, double position,
                                  double target) {
  CollarDecision d{target, std::nullopt};
  if (flagged == nullptr) return d;
  const auto it = flagged->find(time);
  if (it == flagged->end()) return d;
  d.target = collared_target(position, target);
  if (d.target != target)
    d.event = RiskEvent{
        time,
        "flagged_bar",
        "refuse_entry",
        {{"flags", it->second}, {"position", position}, {"target", target}, {"allowed", d.target}}};
  return d;
}

}  // namespace usdcop::trading
