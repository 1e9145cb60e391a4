#pragma once
// The regime on top of the feature store: the feeds are read from it (the same store producers
// publish to), the ttls come from its catalog, the result goes to the regime history. The CLI
// (`usdcop liquidity seed|compute`) and, later, the API's scheduler job call these.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "fstore/feature_repository.hpp"
#include "fstore/feature_service.hpp"
#include "liquidity/regime_config.hpp"
#include "liquidity/regime_engine.hpp"
#include "liquidity/regime_history.hpp"

namespace usdcop::liquidity {

// Fills each feed's ttl_ms from the active catalog; throws Error(not_found) naming the first
// feed that is not in the catalog ("run usdcop fs catalog apply").
RegimeConfig with_catalog_ttls(RegimeConfig config,
                               const std::vector<fstore::FeatureSpec>& catalog);

// Every stored point of the feeds with ts < until.
FeedSeries read_feeds(fstore::FeatureRepository& repo, const RegimeConfig& config, Timestamp until);

// Generated feeds as publishable points (evidence names the generator and seed).
std::vector<fstore::FeaturePoint> feed_points(const FeedSeries& series, uint64_t seed);

struct SeedReport {
  long points = 0;
  fstore::PublishResult publish;  // summed over the batches
  nlohmann::json to_json() const;
};
// Publishes the generated feeds through the service in batches of 1,000 (the producers' path).
SeedReport publish_seed(fstore::FeatureService& service, const FeedSeries& series, uint64_t seed);

struct ComputeReport {
  long days = 0, scored_days = 0;
  std::vector<std::pair<Date, Regime>> transitions;  // first day of each published state
  std::vector<Date> new_alerts;
  std::optional<RegimeDay> last;
  double compute_s = 0;
  nlohmann::json to_json() const;
};
ComputeReport compute_and_store(fstore::FeatureRepository& repo, RegimeHistory& history,
                                const RegimeConfig& config, Date last_day);

// The published state changes of a computed history, for reports and tests.
std::vector<std::pair<Date, Regime>> state_transitions(const std::vector<RegimeDay>& days);

}  // namespace usdcop::liquidity
