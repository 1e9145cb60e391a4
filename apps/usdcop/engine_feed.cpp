#include "engine_feed.hpp"

#include <iostream>

#include "app/ingest.hpp"
#include "cli_services.hpp"
#include "core/error.hpp"

namespace usdcop::cli {

EngineFeed::EngineFeed(const FeedChoice& choice, const Clock& clock) {
  if (choice.name != "twelvedata")
    throw Error(ErrorKind::invalid_input,
                "feed: '" + choice.name + "' is not a known feed (twelvedata)", "feed");
  adapters::ApiClientDeps deps;
  // The breaker of the source on the engine's clock (spec 01: 3 failures, 300 s, 2 trials).
  deps.breaker = std::make_shared<adapters::CircuitBreaker>(
      adapters::TwelveDataClient::kSource, adapters::CircuitBreakerOptions{}, clock);
  source_ = std::make_unique<adapters::TwelveDataBarSource>(adapters::TwelveDataOptions::from_env(),
                                                            std::move(deps));
  live::PollingOptions o;
  o.offset = std::chrono::seconds(static_cast<long>(choice.offset_s));
  o.backfill = std::chrono::hours(static_cast<long>(choice.backfill_h));
  o.import = app::configured_bar_import(adapters::TwelveDataClient::kSource, false, clock);
  feed_ = std::make_unique<live::PollingFeed>(services().bars(), clock, *source_, o);
}

bool EngineFeed::poll_if_due(const std::string& holder) {
  if (!feed_->due()) return false;
  const live::PollReport r = feed_->poll();
  const std::string who = "engine " + holder + ": feed twelvedata: ";
  if (r.failed()) {
    std::cerr << who << r.error << "; next poll at " << format_rfc3339(feed_->next_poll())
              << " (the gap is fetched then)\n";
    return false;
  }
  if (r.import.rejected > 0) {
    std::cerr << who << r.import.rejected << " bar(s) rejected";
    for (const auto& [reason, n] : r.import.rejected_by_reason)
      std::cerr << " (" << reason << " " << n << ")";
    std::cerr << ", recorded in market.rejected_bars\n";
  }
  if (r.import.inserted > 1)
    std::cerr << who << "back-filled " << r.import.inserted << " bars from "
              << format_rfc3339(*r.from) << "\n";
  if (r.missing_session_bars > 0)
    std::cerr << who << r.missing_session_bars << " session bar(s) before " << format_rfc3339(*r.to)
              << " not delivered yet\n";
  return r.import.inserted > 0;
}

}  // namespace usdcop::cli
