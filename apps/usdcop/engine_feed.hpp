#pragma once
// `usdcop engine --feed twelvedata`: the live polling feed (spec 06 "Feeds", docs/LIVE.md) in
// the engine's loop. The leader polls TwelveData at each session bar's close + the offset (on the
// engine's clock), back-filling from the newest stored bar; the insert's new_ohlcv_bar NOTIFY
// and the catch-up that follows drive L1 and L5. The API key comes from TWELVEDATA_API_KEY or
// the file named by TWELVEDATA_API_KEY_FILE, never from a flag, and is never printed.
#include <memory>
#include <string>

#include "adapters/market_data/twelvedata_bar_source.hpp"
#include "core/clock.hpp"
#include "live/polling_feed.hpp"

namespace usdcop::cli {

struct FeedChoice {
  std::string name;         // "" (none) or "twelvedata"
  double offset_s = 5;      // seconds after a bar's close
  double backfill_h = 168;  // how far back a gap is filled
};

class EngineFeed {
 public:
  // Error(invalid_input) for an unknown feed or a missing API key.
  EngineFeed(const FeedChoice& choice, const Clock& clock);
  // Polls when due and says on stderr what failed or was rejected; true when bars were stored.
  bool poll_if_due(const std::string& holder);

 private:
  std::unique_ptr<adapters::TwelveDataBarSource> source_;
  std::unique_ptr<live::PollingFeed> feed_;
};

}  // namespace usdcop::cli
