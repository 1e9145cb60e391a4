#pragma once
// The liquidity-regime use cases (spec 10, docs/FEATURE_STORE.md) that the CLI (`usdcop
// liquidity ...`) and the HTTP server (/api/liquidity/v1) both call, over the process's
// FeatureStore (the feeds) and the regime history (liq.regime_history).
#include <cstdint>
#include <optional>

#include "app/feature_store.hpp"
#include "liquidity/regime_history.hpp"
#include "liquidity/regime_pipeline.hpp"

namespace usdcop::app {

struct LiquiditySeedRequest {
  int days = 365;  // 1..3650
  uint64_t seed = 1;
  Date end{};  // last UTC date generated
};
// Applies the seed catalog (idempotent), generates the 9 feeds and publishes them through the
// feature store in batches of 1,000 (the producers' path).
liquidity::SeedReport seed_liquidity(FeatureStore& features, const LiquiditySeedRequest& request);

// Recomputes the whole regime history up to `last_day` (inclusive) from the stored feeds and
// replaces liq.regime_history; new flip alerts are recorded and notified.
liquidity::ComputeReport compute_liquidity(Services& services, FeatureStore& features,
                                           Date last_day);

// The stored regime of `date`, or the latest when nullopt; Error(not_found) when there is none
// (naming "date", or saying to run the computation).
liquidity::StoredRegimeDay regime_day(Services& services, std::optional<Date> date = std::nullopt);

// The regime config in force (config/liquidity.feeds.json).
liquidity::RegimeConfig regime_config();

}  // namespace usdcop::app
