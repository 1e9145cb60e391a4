#include "core/time.hpp"

#include <cstdio>

#include "core/error.hpp"
#include "core/time_input.hpp"

namespace usdcop {
namespace {

using namespace std::chrono;

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool fail(std::string* why, const char* msg) {
  if (why) *why = msg;
  return false;
}

bool parse_ymd(std::string_view s, Date& out, std::string* why) {
  int y, m, d;
  if (s.size() < 10 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, m) || s[7] != '-' ||
      !digits(s, 8, 2, d))
    return fail(why, "expected a date YYYY-MM-DD");
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return fail(why, "not a valid calendar date");
  out = sys_days{ymd};
  return true;
}

}  // namespace

std::optional<Timestamp> parse_timestamp(std::string_view s, std::string* why) {
  Date date;
  if (!parse_ymd(s, date, why)) return std::nullopt;
  if (s.size() < 19 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')) {
    fail(why, "expected a time after the date (YYYY-MM-DDTHH:MM:SS)");
    return std::nullopt;
  }
  int hh, mm, ss;
  if (!digits(s, 11, 2, hh) || s[13] != ':' || !digits(s, 14, 2, mm) || s[16] != ':' ||
      !digits(s, 17, 2, ss)) {
    fail(why, "expected HH:MM:SS");
    return std::nullopt;
  }
  if (hh > 23 || mm > 59 || ss > 59) {
    fail(why, "time of day out of range");
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int ndig = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (ndig < 6) micros = micros * 10 + (s[pos] - '0');
      ++ndig;
      ++pos;
    }
    if (ndig == 0) {
      fail(why, "empty fractional seconds");
      return std::nullopt;
    }
    for (int i = ndig; i < 6; ++i) micros *= 10;
  }
  if (pos >= s.size()) {
    fail(why, "missing UTC offset (add 'Z' or '+00:00')");
    return std::nullopt;
  }
  int offset_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    const int sign = s[pos] == '-' ? -1 : 1;
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      fail(why, "malformed UTC offset (expected +HH:MM)");
      return std::nullopt;
    }
    offset_minutes = sign * (oh * 60 + om);
    pos += 6;
  } else {
    fail(why, "malformed UTC offset");
    return std::nullopt;
  }
  if (pos != s.size()) {
    fail(why, "unexpected characters after the time");
    return std::nullopt;
  }
  return Timestamp{date} + hours{hh} + minutes{mm} + seconds{ss} + microseconds{micros} -
         minutes{offset_minutes};
}

Timestamp parse_timestamp_or_throw(std::string_view text, std::string_view what) {
  std::string why;
  auto t = parse_timestamp(text, &why);
  if (!t) {
    throw Error(ErrorKind::invalid_input,
                std::string(what) + ": '" + std::string(text) + "' is not a timestamp: " + why);
  }
  return *t;
}

std::optional<Date> parse_date(std::string_view text) {
  Date d;
  if (text.size() != 10 || !parse_ymd(text, d, nullptr)) return std::nullopt;
  return d;
}

Date parse_date_or_throw(std::string_view text, std::string_view what) {
  auto d = parse_date(text);
  if (!d) {
    throw Error(ErrorKind::invalid_input, std::string(what) + ": '" + std::string(text) +
                                              "' is not a date (expected YYYY-MM-DD)");
  }
  return *d;
}

Date parse_date_input(std::string_view text, std::string_view field) {
  auto d = parse_date(text);
  if (!d) {
    throw Error(ErrorKind::invalid_input,
                "'" + std::string(text) + "' is not a date (expected YYYY-MM-DD)",
                std::string(field));
  }
  return *d;
}

Timestamp parse_timestamp_input(std::string_view text, std::string_view field) {
  std::string why;
  auto t = parse_timestamp(text, &why);
  if (!t) {
    throw Error(ErrorKind::invalid_input, "'" + std::string(text) + "' is not a timestamp: " + why,
                std::string(field));
  }
  return *t;
}

Timestamp parse_time_or_date(std::string_view text, std::string_view field) {
  if (auto d = parse_date(text)) return cot_midnight(*d);
  std::string why;
  if (auto t = parse_timestamp(text, &why)) return *t;
  throw Error(ErrorKind::invalid_input,
              "'" + std::string(text) +
                  "' is neither a date (YYYY-MM-DD) nor an RFC 3339 timestamp: " + why,
              std::string(field));
}

Timestamp parse_end_bound(std::string_view text, std::string_view field) {
  if (auto d = parse_date(text)) return cot_midnight(*d + std::chrono::days(1));
  return parse_time_or_date(text, field);
}

std::string format_date(Date d) {
  const year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

namespace {
std::string format_with(Timestamp t, const char* suffix, bool t_separator) {
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const auto since = t - day;
  const auto h = duration_cast<hours>(since);
  const auto m = duration_cast<minutes>(since - h);
  const auto s = duration_cast<seconds>(since - h - m);
  const auto us = (since - h - m - s).count();
  char buf[64];
  int n = std::snprintf(
      buf, sizeof buf, "%04d-%02u-%02u%c%02d:%02d:%02d", static_cast<int>(ymd.year()),
      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), t_separator ? 'T' : ' ',
      static_cast<int>(h.count()), static_cast<int>(m.count()), static_cast<int>(s.count()));
  if (us != 0) n += std::snprintf(buf + n, sizeof buf - n, ".%06lld", static_cast<long long>(us));
  std::snprintf(buf + n, sizeof buf - n, "%s", suffix);
  return buf;
}
}  // namespace

std::string format_rfc3339(Timestamp t) {
  return format_with(t, "Z", true);
}
std::string format_cot(Timestamp t) {
  return format_with(t + kCotOffset, " COT", false);
}

Date cot_date(Timestamp t) {
  return floor<days>(t + kCotOffset);
}
Timestamp cot_midnight(Date d) {
  return Timestamp{d} - kCotOffset;
}
Timestamp utc_midnight(Date d) {
  return Timestamp{d};
}

int cot_seconds_of_day(Timestamp t) {
  const auto local = t + kCotOffset;
  return static_cast<int>(duration_cast<seconds>(local - floor<days>(local)).count());
}

int64_t to_unix_seconds(Timestamp t) {
  return duration_cast<seconds>(t.time_since_epoch()).count();
}
Timestamp from_unix_seconds(int64_t s) {
  return Timestamp{seconds{s}};
}
Timestamp now_utc() {
  return time_point_cast<microseconds>(system_clock::now());
}

}  // namespace usdcop
