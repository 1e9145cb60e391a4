#include "market/bar_validation.hpp"

#include <cmath>
#include <cstdio>

#include "core/calendar.hpp"

namespace usdcop::market {
namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

BarProblem problem(std::string_view reason, std::string detail) {
  return BarProblem{std::string(reason), std::move(detail)};
}

}  // namespace

std::optional<BarProblem> validate_bar(const Bar& b) {
  const std::pair<const char*, double> prices[] = {
      {"open", b.open}, {"high", b.high}, {"low", b.low}, {"close", b.close}};
  for (const auto& [name, v] : prices) {
    if (!std::isfinite(v))
      return problem(reject_reason::kNonFinite, std::string(name) + " is not finite");
    if (v <= 0)
      return problem(reject_reason::kNonPositive,
                     std::string(name) + " " + num(v) + " is not positive");
  }
  if (!std::isfinite(b.volume) || b.volume < 0) {
    return problem(reject_reason::kNonFinite,
                   "volume " + num(b.volume) + " is not a finite non-negative number");
  }
  if (b.high < b.low)
    return problem(reject_reason::kInconsistentOhlc,
                   "high " + num(b.high) + " < low " + num(b.low));
  if (b.low > std::min(b.open, b.close)) {
    return problem(reject_reason::kInconsistentOhlc,
                   "low " + num(b.low) + " > min(open, close) " + num(std::min(b.open, b.close)));
  }
  if (b.high < std::max(b.open, b.close)) {
    return problem(reject_reason::kInconsistentOhlc,
                   "high " + num(b.high) + " < max(open, close) " + num(std::max(b.open, b.close)));
  }
  using namespace std::chrono;
  if (b.time.time_since_epoch() % duration_cast<microseconds>(kBarLength) != microseconds{0}) {
    return problem(reject_reason::kMisaligned,
                   "time " + format_rfc3339(b.time) + " is not on a 5-minute boundary");
  }
  if (!bar_index(b.time)) {
    return problem(reject_reason::kOutOfSession,
                   "time " + format_rfc3339(b.time) + " (" + format_cot(b.time) +
                       ") is outside the session (Mon-Fri 08:00-12:55 COT)");
  }
  return std::nullopt;
}

std::string text_excerpt(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "\u2026 (" + std::to_string(text.size()) + " bytes)";
}

BarTimeWindow default_bar_time_window() {
  return {cot_midnight(Date{std::chrono::year{2000} / 1 / 1}), now_utc()};
}

std::optional<BarProblem> check_bar_time(const Bar& b, const BarTimeWindow& w) {
  if (b.time < w.earliest) {
    return problem(reject_reason::kImplausibleTime, "time " + format_rfc3339(b.time) +
                                                        " is before the earliest accepted bar " +
                                                        format_rfc3339(w.earliest));
  }
  if (b.time + kBarLength > w.now) {
    return problem(reject_reason::kFutureBar, "bar " + format_rfc3339(b.time) + " closes at " +
                                                  format_rfc3339(b.time + kBarLength) +
                                                  ", after now (" + format_rfc3339(w.now) + ")");
  }
  return std::nullopt;
}

}  // namespace usdcop::market
