#pragma once
// A deterministic generator of the 9 liquidity feeds (`usdcop liquidity seed`): real feeds are
// not reachable from this machine. A latent liquidity level L follows a fixed schedule of
// episodes (day index from the first generated day):
//   [0,180) L = 0      flat        -> YELLOW (scored from ~day 90, when windows fill)
//   [180,300) 0 -> +1  rising      -> GREEN
//   [300,420) +1       flat        -> YELLOW (z-scores decay as the window catches up)
//   [420,540) +1 -> -1 falling     -> RED
//   [540,660) -1       flat        -> YELLOW
//   [660,780) -1 -> +1 rising      -> GREEN (once flows and stablecoin YoY turn positive)
//   [780, ..) +1       flat
// Each feed is a level driven by L (ETF flows by its slope, with a positive bias) plus seeded
// Gaussian noise. WALCL is weekly (Wednesdays); TGA, RRP and ETF flows business days; the rest
// daily. The DEX liquidity feed has a 5-day outage on days 330..334 (stale on 332..334).
#include <cstdint>

#include "core/time.hpp"
#include "liquidity/regime_engine.hpp"

namespace usdcop::liquidity {

double latent_level(int day);  // L at day index
FeedSeries generate_feeds(int days, uint64_t seed, Date last_day);

}  // namespace usdcop::liquidity
