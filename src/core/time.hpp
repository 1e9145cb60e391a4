#pragma once
// Time: every instant is UTC (Timestamp, microsecond resolution, like PostgreSQL timestamptz).
// Colombia time (COT) is a fixed UTC-05:00 offset; it is only used for sessions and display.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace usdcop {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;
using Date = std::chrono::sys_days;  // a calendar date (no time zone attached)

inline constexpr std::chrono::hours kCotOffset{-5};
inline constexpr std::chrono::minutes kBarLength{5};

// Parses RFC 3339 ("2020-01-02T13:00:00Z", "2020-01-02T08:00:00-05:00", fractional seconds
// allowed) and the raw export form "2020-01-02 08:00:00+00:00". A space may replace 'T'.
// An offset is mandatory: a time without one is ambiguous and refused.
// Returns nullopt and sets *why (if given) on failure.
std::optional<Timestamp> parse_timestamp(std::string_view text, std::string* why = nullptr);
// Like parse_timestamp but throws usdcop::Error(invalid_input) naming `what`.
Timestamp parse_timestamp_or_throw(std::string_view text, std::string_view what);

std::optional<Date> parse_date(std::string_view text);  // "YYYY-MM-DD"
Date parse_date_or_throw(std::string_view text, std::string_view what);

std::string format_rfc3339(Timestamp t);  // "2020-01-02T13:00:00Z" (fraction only if non-zero)
std::string format_cot(Timestamp t);      // "2020-01-02 08:00:00 COT"
std::string format_date(Date d);          // "2020-01-02"

Date cot_date(Timestamp t);      // the COT calendar date of an instant
Timestamp cot_midnight(Date d);  // 00:00 COT of a date, as UTC
Timestamp utc_midnight(Date d);

// Time of an instant as seconds since the COT midnight of its COT date.
int cot_seconds_of_day(Timestamp t);

int64_t to_unix_seconds(Timestamp t);
Timestamp from_unix_seconds(int64_t s);
Timestamp now_utc();

// Accepts either a date ("2024-01-02", meaning 00:00 COT of that day: spec 12, dates are COT
// calendar days) or an RFC 3339 timestamp; for range bounds (`from`, `to`). `what` is the
// input's logical field name, set on the Error (each door spells it: --from, "field": "from").
Timestamp parse_time_or_date(std::string_view text, std::string_view what);
// The end of a range (`to`): a date is inclusive (up to 00:00 COT of the next day, exclusive),
// an RFC 3339 time is exact and exclusive.
Timestamp parse_end_bound(std::string_view text, std::string_view what);

}  // namespace usdcop
