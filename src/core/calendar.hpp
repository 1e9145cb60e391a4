#pragma once
// The trading calendar: Colombian and US public holidays (computed, never hard-coded),
// sessions (60 five-minute bars, 08:00-12:55 COT) and market-hours checks.
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace usdcop {

inline constexpr int kBarsPerSession = 60;
inline constexpr int kSessionOpenCotSeconds = 8 * 3600;    // 08:00 COT
inline constexpr int kSessionCloseCotSeconds = 13 * 3600;  // 13:00 COT (exclusive)

enum class Country { CO, US };

struct Holiday {
  Date date;
  std::string name;
};

Date easter_sunday(int year);  // Anonymous Gregorian algorithm

// Sorted by date, de-duplicated (coinciding holidays keep the first name).
std::vector<Holiday> colombian_holidays(int year);
// Weekdays on which US markets close (Saturday holidays on Friday, Sunday ones on Monday).
std::vector<Holiday> us_holidays(int year);
std::vector<Holiday> holidays(int year, Country country);

bool is_colombian_holiday(Date d);  // O(1) after the first call for a year
bool is_us_holiday(Date d);
bool is_weekday(Date d);
bool is_trading_day(Date d);  // Monday-Friday and not a Colombian holiday

// The 60 bar open times (UTC) of a COT date's session; empty when it is not a trading day.
std::vector<Timestamp> session_bar_times(Date cot_day);

// 0..59 when t is a 5-minute-aligned bar open inside session hours on a weekday
// (holidays are not checked here: see is_session_bar); nullopt otherwise.
std::optional<int> bar_index(Timestamp t);
// A bar open time of a real session: aligned, session hours, trading day.
bool is_session_bar(Timestamp t);

// Market-hours check: 08:00 <= t_cot < 13:00 on a trading day (half-open, spec 01).
bool is_market_open(Timestamp t);

// Next session bar open time strictly after t (skips nights, weekends and holidays).
Timestamp next_session_bar(Timestamp t);

}  // namespace usdcop
