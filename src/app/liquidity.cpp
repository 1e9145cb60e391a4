#include "app/liquidity.hpp"

#include "app/services.hpp"
#include "core/error.hpp"
#include "liquidity/feed_generator.hpp"
#include "store/pg_regime_history.hpp"

namespace usdcop::app {

liquidity::SeedReport seed_liquidity(FeatureStore& features, const LiquiditySeedRequest& request) {
  if (request.days < 1 || request.days > 3650)
    throw Error(ErrorKind::invalid_input, "days: must be in 1..3650", "days");
  features.apply_catalog_file(fstore::default_catalog_path());
  const auto series = liquidity::generate_feeds(request.days, request.seed, request.end);
  return liquidity::publish_seed(features.service(), series, request.seed);
}

liquidity::RegimeConfig regime_config() {
  return liquidity::RegimeConfig::load_file(liquidity::RegimeConfig::default_path());
}

liquidity::ComputeReport compute_liquidity(Services& services, FeatureStore& features,
                                           Date last_day) {
  store::PgRegimeHistory history(services.pool());
  return liquidity::compute_and_store(features.repository(), history, regime_config(), last_day);
}

liquidity::StoredRegimeDay regime_day(Services& services, std::optional<Date> date) {
  store::PgRegimeHistory history(services.pool());
  const auto stored = date ? history.at(*date) : history.latest();
  if (!stored) {
    if (date)
      throw Error(ErrorKind::not_found, "date: no regime row for " + format_date(*date), "date");
    throw Error(ErrorKind::not_found, "no regime computed yet; run `usdcop liquidity compute`");
  }
  return *stored;
}

}  // namespace usdcop::app
