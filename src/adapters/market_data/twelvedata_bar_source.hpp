#pragma once
// The TwelveData client as the live feed's market::BarSource: one fetch per poll, through the
// client's retry policy and circuit breaker.
#include "adapters/market_data/twelvedata_client.hpp"
#include "market/bar_source.hpp"

namespace usdcop::adapters {

class TwelveDataBarSource final : public market::BarSource {
 public:
  explicit TwelveDataBarSource(TwelveDataOptions options, ApiClientDeps deps = {});
  std::string name() const override { return TwelveDataClient::kSource; }
  std::vector<market::TextBarRecord> fetch(Timestamp from, Timestamp to) override;
  TwelveDataClient& client() { return client_; }

 private:
  TwelveDataClient client_;
};

}  // namespace usdcop::adapters
