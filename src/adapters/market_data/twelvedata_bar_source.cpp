#include "adapters/market_data/twelvedata_bar_source.hpp"

namespace usdcop::adapters {

TwelveDataBarSource::TwelveDataBarSource(TwelveDataOptions options, ApiClientDeps deps)
    : client_(std::move(options), std::move(deps)) {}

std::vector<market::TextBarRecord> TwelveDataBarSource::fetch(Timestamp from, Timestamp to) {
  auto fetched = client_.fetch(from, to);
  std::vector<market::TextBarRecord> out;
  out.reserve(fetched.records.size());
  for (auto& r : fetched.records)
    out.push_back({r.line, std::move(r.raw), std::move(r.time), std::move(r.open),
                   std::move(r.high), std::move(r.low), std::move(r.close), std::move(r.volume)});
  return out;
}

}  // namespace usdcop::adapters
