#include "live/polling_feed.hpp"

#include "core/calendar.hpp"
#include "core/error.hpp"

namespace usdcop::live {
namespace {

constexpr auto kBar = std::chrono::minutes(5);

Timestamp floor_to_bar(Timestamp t) {
  const auto m = std::chrono::floor<std::chrono::minutes>(t.time_since_epoch());
  return Timestamp(m - std::chrono::minutes(m.count() % 5));
}

long missing_in(market::BarStore& bars, Timestamp from, Timestamp to) {
  long expected = 0;
  for (Timestamp t = from; t < to; t += kBar)
    if (is_session_bar(t)) ++expected;
  if (expected == 0) return 0;
  long stored = 0;
  for (const auto& b : bars.load_bars(from, to))
    if (is_session_bar(b.time)) ++stored;
  return expected - stored;
}

}  // namespace

PollingFeed::PollingFeed(market::BarStore& bars, const Clock& clock, market::BarSource& source,
                         PollingOptions options)
    : bars_(bars),
      clock_(clock),
      source_(source),
      options_(std::move(options)),
      next_poll_(clock.now()) {
  if (options_.import.source.empty()) options_.import.source = source_.name();
  if (options_.offset < std::chrono::seconds(0) || options_.offset >= kBar)
    throw Error(ErrorKind::invalid_input, "poll offset: must be within [0, 300) seconds",
                "poll_offset");
}

Timestamp PollingFeed::next_poll_after(Timestamp t, std::chrono::seconds offset) {
  // The session bar whose close + offset comes first after t.
  return next_session_bar(t - kBar - offset) + kBar + offset;
}

PollReport PollingFeed::poll() {
  PollReport report;
  report.at = clock_.now();
  next_poll_ = next_poll_after(report.at, options_.offset);
  // Bars with open < to have closed by now.
  const Timestamp to = floor_to_bar(report.at);
  const auto newest = bars_.bar_before(to);
  Timestamp from = newest ? newest->time + kBar : to - options_.backfill;
  if (from < to - options_.backfill) from = floor_to_bar(to - options_.backfill);
  if (!(from < to)) return report;  // up to date
  report.from = from;
  report.to = to;
  std::vector<market::TextBarRecord> records;
  try {
    records = source_.fetch(from, to);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::unavailable && e.kind() != ErrorKind::invalid_input) throw;
    report.error = e.what();
    report.missing_session_bars = missing_in(bars_, from, to);
    return report;
  }
  report.records = static_cast<long>(records.size());
  market::BarImportOptions import = options_.import;
  import.window.now = report.at;
  market::BarImporter importer(bars_, import);
  for (const auto& r : records)
    importer.add_text(r.line, r.raw, r.time, r.open, r.high, r.low, r.close, r.volume);
  report.import = importer.finish();
  report.missing_session_bars = missing_in(bars_, from, to);
  return report;
}

}  // namespace usdcop::live
