#pragma once
// The polling feed (spec 06 "Feeds"): at each session bar's close + an offset (on the engine's
// one Clock) it asks a market::BarSource (TwelveData) for every bar after the newest stored one
// up to the last closed bar, and imports them through market::BarImporter (the one import
// path: validation, duplicates, flags, rejects recorded with the raw text). The insert's
// new_ohlcv_bar NOTIFY then drives L1 and L5 as for any writer.
//
// Gaps: the window always starts after the newest stored bar, so bars missed while the engine
// was down or while the provider failed are fetched by the next poll (back-filled), at most
// `backfill` back. A poll whose provider fails imports nothing and says why; the next poll
// covers the same bars again. Polling twice stores each bar once (the importer finds the
// second copy identical). The window never reaches before the L1 watermark (it starts after
// the newest stored bar), so no fetched bar is out of order.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "market/bar_import.hpp"
#include "market/bar_source.hpp"
#include "market/bar_store.hpp"

namespace usdcop::live {

struct PollingOptions {
  std::chrono::seconds offset{5};       // after the bar's close (the provider needs a moment)
  std::chrono::hours backfill{24 * 7};  // how far back a gap is filled
  market::BarImportOptions import;      // source, jump bound, earliest; `now` set per poll
};

struct PollReport {
  Timestamp at{};                     // the clock when polled
  std::optional<Timestamp> from, to;  // the window asked for (none: up to date)
  long records = 0;                   // records the provider returned
  market::BarImportReport import;     // what the importer did with them
  std::string error;                  // the provider failed: nothing imported
  long missing_session_bars = 0;      // session bars of the window still not stored
  bool failed() const { return !error.empty(); }
};

class PollingFeed {
 public:
  // `clock` and the references must outlive the feed. The first poll is due at once (the
  // back-fill at start).
  PollingFeed(market::BarStore& bars, const Clock& clock, market::BarSource& source,
              PollingOptions options);

  bool due() const { return !(clock_.now() < next_poll_); }
  Timestamp next_poll() const { return next_poll_; }
  // Fetches and imports the window at the clock's now and schedules the next poll. Never
  // throws for the provider's failures (the report says them); a lost database throws.
  PollReport poll();

  // The first poll time strictly after t: a session bar's close + offset.
  static Timestamp next_poll_after(Timestamp t, std::chrono::seconds offset);

 private:
  market::BarStore& bars_;
  const Clock& clock_;
  market::BarSource& source_;
  PollingOptions options_;
  Timestamp next_poll_{};
};

}  // namespace usdcop::live
