#pragma once
// Port of a bar provider polled by the live feed (spec 06 "Feeds"): the bars with
// from <= open time < to as the provider's text, validated afterwards by BarImporter::add_text
// (the one import path). Implemented by adapters/market_data (TwelveData).
#include <string>
#include <vector>

#include "core/time.hpp"

namespace usdcop::market {

// One provider record, in BarImporter::add_text's argument order; `raw` is kept for rejects.
struct TextBarRecord {
  long line = 0;  // 1-based position in the fetched series
  std::string raw, time, open, high, low, close, volume;
};

class BarSource {
 public:
  virtual ~BarSource() = default;
  virtual std::string name() const = 0;  // market.usdcop_m5_ohlcv.source of its bars
  // Throws Error(unavailable) when the provider cannot be reached (after its retries, or its
  // circuit breaker is open) or answers something unreadable, Error(invalid_input) when it
  // refuses the request. Messages never contain a secret.
  virtual std::vector<TextBarRecord> fetch(Timestamp from, Timestamp to) = 0;
};

}  // namespace usdcop::market
