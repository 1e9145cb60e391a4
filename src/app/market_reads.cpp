#include "app/market_reads.hpp"

#include "app/services.hpp"
#include "core/error.hpp"
#include "store/pg_feature_store.hpp"

namespace usdcop::app {

namespace {
constexpr auto kMaxBarRange = std::chrono::days(366);
}

BarsWindow bars_in_range(Services& services, const BarsRequest& request) {
  BarsWindow w;
  w.to = request.to;
  if (request.from) {
    w.from = *request.from;
  } else {
    const auto newest = services.bars().bar_before(request.to);
    if (!newest) {
      w.empty_store = true;
      return w;
    }
    w.from = newest->time - std::chrono::hours(24);
  }
  if (w.to - w.from > kMaxBarRange)
    throw Error(ErrorKind::invalid_input, "at most 366 days per request", "from");
  auto loaded = services.bars().load_bars(w.from, w.to);
  const auto limit = static_cast<std::size_t>(std::max(request.limit, 0L));
  const std::size_t skip = loaded.size() > limit ? loaded.size() - limit : 0;
  w.truncated = skip > 0;
  w.bars.assign(std::make_move_iterator(loaded.begin() + static_cast<std::ptrdiff_t>(skip)),
                std::make_move_iterator(loaded.end()));
  return w;
}

std::optional<market::Bar> latest_bar(Services& services) {
  return services.bars().bar_before(services.clock().now() + std::chrono::hours(24 * 365 * 100));
}

std::optional<features::FeatureRow> latest_feature_row(Services& services) {
  return services.feature_rows().latest();
}

std::vector<features::FeatureRow> feature_rows_in_range(Services& services, Timestamp from,
                                                        Timestamp to) {
  if (to <= from) throw Error(ErrorKind::invalid_input, "the end is not after the start", "to");
  return services.feature_rows().load(from, to);
}

features::FeatureRow feature_row_at(Services& services, Timestamp at) {
  auto row = services.feature_rows().at(at);
  if (!row)
    throw Error(ErrorKind::not_found,
                "no feature row at " + format_rfc3339(at) + " (run usdcop features build)");
  return *row;
}

}  // namespace usdcop::app
