#include "market/macro.hpp"

#include <algorithm>

namespace usdcop::market {

const char* to_string(Frequency f) {
  switch (f) {
    case Frequency::daily:
      return "daily";
    case Frequency::monthly:
      return "monthly";
    case Frequency::quarterly:
      return "quarterly";
  }
  return "daily";
}

Timestamp available_at(Date observation_date, int delay_days) {
  return cot_midnight(observation_date + std::chrono::days{delay_days});
}

MacroSeries::MacroSeries(std::vector<MacroObservation> accepted) : obs_(std::move(accepted)) {
  std::erase_if(obs_, [](const MacroObservation& o) { return o.flagged; });
  std::sort(obs_.begin(), obs_.end(), [](const MacroObservation& a, const MacroObservation& b) {
    return a.observation_date < b.observation_date;
  });
}

std::span<const MacroObservation> MacroSeries::available_at_time(Timestamp t) const {
  // available_at grows with observation_date (one delay per variable), so it is sorted too.
  auto end =
      std::upper_bound(obs_.begin(), obs_.end(), t,
                       [](Timestamp tt, const MacroObservation& o) { return tt < o.available_at; });
  return {obs_.data(), static_cast<size_t>(end - obs_.begin())};
}

std::optional<MacroObservation> MacroSeries::as_of(Timestamp t) const {
  const auto avail = available_at_time(t);
  if (avail.empty()) return std::nullopt;
  return avail.back();
}

}  // namespace usdcop::market
