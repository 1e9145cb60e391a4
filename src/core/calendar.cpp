#include "core/calendar.hpp"

#include <algorithm>
#include <array>
#include <mutex>
#include <unordered_map>

namespace usdcop {
namespace {

using namespace std::chrono;

Date ymd(int y, unsigned m, unsigned d) {
  return sys_days{year{y} / month{m} / day{d}};
}

// Moves a date to the following Monday, unchanged when it already is one (Emiliani law).
Date next_monday_or_same(Date d) {
  const weekday wd{d};
  const unsigned diff = (Monday - wd).count();  // days from wd forward to Monday, 0..6
  return d + days{diff};
}

Date nth_weekday(int y, unsigned m, weekday wd, unsigned n) {
  return sys_days{year{y} / month{m} / wd[n]};
}

Date last_weekday(int y, unsigned m, weekday wd) {
  return sys_days{year{y} / month{m} / wd[last]};
}

Date observed(Date d) {
  const weekday wd{d};
  if (wd == Saturday) return d - days{1};
  if (wd == Sunday) return d + days{1};
  return d;
}

std::vector<Holiday> sorted_unique(std::vector<Holiday> v) {
  std::stable_sort(v.begin(), v.end(),
                   [](const Holiday& a, const Holiday& b) { return a.date < b.date; });
  v.erase(std::unique(v.begin(), v.end(),
                      [](const Holiday& a, const Holiday& b) { return a.date == b.date; }),
          v.end());
  return v;
}

// Per-year cache of holiday dates, filled on first use of a year.
class HolidayCache {
 public:
  bool contains(Date d, Country c) {
    const int y = static_cast<int>(year_month_day{d}.year());
    std::lock_guard lock(mu_);
    auto& table = c == Country::CO ? co_ : us_;
    auto it = table.find(y);
    if (it == table.end()) {
      std::vector<Date> dates;
      for (const auto& h : holidays(y, c)) dates.push_back(h.date);
      it = table.emplace(y, std::move(dates)).first;
    }
    return std::binary_search(it->second.begin(), it->second.end(), d);
  }

 private:
  std::mutex mu_;
  std::unordered_map<int, std::vector<Date>> co_, us_;
};

HolidayCache& cache() {
  static HolidayCache c;
  return c;
}

}  // namespace

Date easter_sunday(int y) {
  const int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
  const int f = (b + 8) / 25, g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4, k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month_ = (h + l - 7 * m + 114) / 31;
  const int day_ = ((h + l - 7 * m + 114) % 31) + 1;
  return ymd(y, static_cast<unsigned>(month_), static_cast<unsigned>(day_));
}

std::vector<Holiday> colombian_holidays(int y) {
  std::vector<Holiday> v = {
      {ymd(y, 1, 1), "Año Nuevo"},
      {ymd(y, 5, 1), "Día del Trabajo"},
      {ymd(y, 7, 20), "Día de la Independencia"},
      {ymd(y, 8, 7), "Batalla de Boyacá"},
      {ymd(y, 12, 8), "Inmaculada Concepción"},
      {ymd(y, 12, 25), "Navidad"},
      {next_monday_or_same(ymd(y, 1, 6)), "Reyes Magos"},
      {next_monday_or_same(ymd(y, 3, 19)), "San José"},
      {next_monday_or_same(ymd(y, 6, 29)), "San Pedro y San Pablo"},
      {next_monday_or_same(ymd(y, 8, 15)), "Asunción de la Virgen"},
      {next_monday_or_same(ymd(y, 10, 12)), "Día de la Raza"},
      {next_monday_or_same(ymd(y, 11, 1)), "Todos los Santos"},
      {next_monday_or_same(ymd(y, 11, 11)), "Independencia de Cartagena"},
  };
  const Date e = easter_sunday(y);
  v.push_back({e - days{3}, "Jueves Santo"});
  v.push_back({e - days{2}, "Viernes Santo"});
  v.push_back({e + days{43}, "Ascensión del Señor"});
  v.push_back({e + days{64}, "Corpus Christi"});
  v.push_back({e + days{71}, "Sagrado Corazón"});
  return sorted_unique(std::move(v));
}

std::vector<Holiday> us_holidays(int y) {
  std::vector<Holiday> v = {
      {observed(ymd(y, 1, 1)), "New Year's Day"},
      {nth_weekday(y, 1, Monday, 3), "Martin Luther King Jr. Day"},
      {nth_weekday(y, 2, Monday, 3), "Presidents' Day"},
      {last_weekday(y, 5, Monday), "Memorial Day"},
      {observed(ymd(y, 6, 19)), "Juneteenth"},
      {observed(ymd(y, 7, 4)), "Independence Day"},
      {nth_weekday(y, 9, Monday, 1), "Labor Day"},
      {nth_weekday(y, 10, Monday, 2), "Columbus Day"},
      {observed(ymd(y, 11, 11)), "Veterans Day"},
      {nth_weekday(y, 11, Thursday, 4), "Thanksgiving"},
      {observed(ymd(y, 12, 25)), "Christmas Day"},
  };
  // Juneteenth became a federal holiday in 2021.
  if (y < 2021) {
    v.erase(
        std::remove_if(v.begin(), v.end(), [](const Holiday& h) { return h.name == "Juneteenth"; }),
        v.end());
  }
  // New Year's Day of the next year observed on Dec 31 stays in the next year's list: the
  // list is "the weekdays of year y": keep only dates inside y.
  v.erase(std::remove_if(v.begin(), v.end(),
                         [y](const Holiday& h) {
                           return static_cast<int>(year_month_day{h.date}.year()) != y;
                         }),
          v.end());
  if (observed(ymd(y + 1, 1, 1)) == ymd(y, 12, 31))
    v.push_back({ymd(y, 12, 31), "New Year's Day (observed)"});
  return sorted_unique(std::move(v));
}

std::vector<Holiday> holidays(int y, Country c) {
  return c == Country::CO ? colombian_holidays(y) : us_holidays(y);
}

bool is_colombian_holiday(Date d) {
  return cache().contains(d, Country::CO);
}
bool is_us_holiday(Date d) {
  return cache().contains(d, Country::US);
}

bool is_weekday(Date d) {
  const weekday wd{d};
  return wd != Saturday && wd != Sunday;
}

bool is_trading_day(Date d) {
  return is_weekday(d) && !is_colombian_holiday(d);
}

std::vector<Timestamp> session_bar_times(Date cot_day) {
  std::vector<Timestamp> out;
  if (!is_trading_day(cot_day)) return out;
  out.reserve(kBarsPerSession);
  const Timestamp open = cot_midnight(cot_day) + seconds{kSessionOpenCotSeconds};
  for (int i = 0; i < kBarsPerSession; ++i) out.push_back(open + kBarLength * i);
  return out;
}

std::optional<int> bar_index(Timestamp t) {
  if (t.time_since_epoch() % duration_cast<microseconds>(kBarLength) != microseconds{0})
    return std::nullopt;
  if (!is_weekday(cot_date(t))) return std::nullopt;
  const int s = cot_seconds_of_day(t);
  if (s < kSessionOpenCotSeconds || s >= kSessionCloseCotSeconds) return std::nullopt;
  return (s - kSessionOpenCotSeconds) / 300;
}

bool is_session_bar(Timestamp t) {
  return bar_index(t).has_value() && !is_colombian_holiday(cot_date(t));
}

bool is_market_open(Timestamp t) {
  const Date d = cot_date(t);
  if (!is_trading_day(d)) return false;
  const int s = cot_seconds_of_day(t);
  return s >= kSessionOpenCotSeconds && s < kSessionCloseCotSeconds;
}

Timestamp next_session_bar(Timestamp t) {
  Date d = cot_date(t);
  for (int guard = 0; guard < 40; ++guard, d += days{1}) {
    for (const Timestamp bar : session_bar_times(d)) {
      if (bar > t) return bar;
    }
  }
  throw std::logic_error("next_session_bar: no session within 40 days");
}

}  // namespace usdcop
