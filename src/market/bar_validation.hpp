#pragma once
// Validation of one incoming bar (spec 01). Every failure has a stable reason code (stored in
// market.rejected_bars.reason) and a human sentence naming the field.
#include <optional>
#include <string>
#include <string_view>

#include "market/bar.hpp"

namespace usdcop::market {

// Stable reason codes.
namespace reject_reason {
inline constexpr std::string_view kMalformed = "malformed";    // wrong column count, not a number
inline constexpr std::string_view kBadTime = "bad_time";       // unparseable, no offset
inline constexpr std::string_view kMisaligned = "misaligned";  // not on a 5-minute boundary
inline constexpr std::string_view kNonFinite = "non_finite";   // NaN or infinity
inline constexpr std::string_view kNonPositive = "non_positive";  // price <= 0
inline constexpr std::string_view kInconsistentOhlc =
    "inconsistent_ohlc";  // low/high vs open/close
inline constexpr std::string_view kOutOfSession =
    "out_of_session";                                      // weekend or outside 13:00-17:55 UTC
inline constexpr std::string_view kConflict = "conflict";  // same time, different values
// Before ingest.earliest_bar_date; not closed yet (open + 5 min > now).
inline constexpr std::string_view kImplausibleTime = "implausible_time";
inline constexpr std::string_view kFutureBar = "future_bar";
}  // namespace reject_reason

struct BarProblem {
  std::string reason;  // one of reject_reason
  std::string detail;  // "high 3270.1 < low 3271.5"
};

// Checks values and time of a parsed bar. Bars on Colombian holidays inside session hours are
// valid (offshore quotes exist; the real data has them) and are flagged separately.
std::optional<BarProblem> validate_bar(const Bar& bar);

// Input text quoted in a message or report: at most `max_bytes` (cut on a UTF-8 boundary) and
// then "… (N bytes)". The stored raw row keeps everything.
std::string text_excerpt(std::string_view text, std::size_t max_bytes);

// The time window of acceptable bars (spec 12, "latest acceptable bar"): not before `earliest`
// (default 00:00 COT of 2000-01-01) and complete, i.e. open + 5 min <= now. `now` is the caller's
// clock (a replay passes its simulated time).
struct BarTimeWindow {
  Timestamp earliest;
  Timestamp now;
};
BarTimeWindow default_bar_time_window();
std::optional<BarProblem> check_bar_time(const Bar& bar, const BarTimeWindow& window);

}  // namespace usdcop::market
