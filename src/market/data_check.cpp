#include "market/data_check.hpp"

#include <iomanip>
#include <sstream>

#include "core/calendar.hpp"

namespace usdcop::market {

DataCheckReport run_data_check(DataQualitySource& bars, MacroStore& macro,
                               const MacroCatalog& catalog, const DataCheckOptions& options) {
  using namespace std::chrono;
  DataCheckReport r;
  r.from = options.from;
  r.to = options.to;
  r.min_coverage = options.min_coverage;

  std::map<Date, DayBarCount> by_day;
  for (const auto& d : bars.bar_counts_by_day(options.from, options.to)) by_day[d.day] = d;

  // Expected: every session bar of every trading day inside [from, to).
  for (Date d = cot_date(options.from); d <= cot_date(options.to); d += days{1}) {
    const auto session = session_bar_times(d);
    long expected = 0;
    for (Timestamp t : session) expected += (t >= options.from && t < options.to) ? 1 : 0;
    auto it = by_day.find(d);
    const int have = it == by_day.end() ? 0 : it->second.bars;
    if (!session.empty()) {
      r.expected_bars += expected;
      r.present_bars += std::min<long>(have, expected);
      if (have < expected) r.days_missing.emplace_back(d, static_cast<int>(expected - have));
    } else if (have > 0 && is_weekday(d)) {
      r.holiday_bars += have;
    }
    if (it != by_day.end()) r.flat_bars += it->second.flat;
  }
  long total = 0;
  for (const auto& [d, c] : by_day) total += c.bars;
  r.coverage = r.expected_bars
                   ? static_cast<double>(r.present_bars) / static_cast<double>(r.expected_bars)
                   : 1.0;
  r.flat_share = total ? static_cast<double>(r.flat_bars) / static_cast<double>(total) : 0.0;
  r.rejected_by_reason = bars.rejected_by_reason(options.from, options.to);
  for (auto& f : bars.bar_flags(options.from, options.to)) {
    ++r.flags_by_rule[f.rule];
    if (f.rule == "jump") r.jump_flags.push_back(std::move(f));
  }

  // Macro staleness as of the end of the window.
  const Timestamp at = options.to - microseconds{1};
  for (const auto& var : catalog.variables()) {
    MacroStatus s;
    s.variable = var.name;
    s.stale_days = var.stale_days;
    MacroSeries series(macro.load_variable(var.name));
    if (auto o = series.as_of(at)) {
      s.last_date = o->observation_date;
      s.available_at = o->available_at;
      s.age_days = duration<double>(at - o->available_at).count() / 86400.0;
      s.stale = s.age_days > var.stale_days;
    }
    r.macro.push_back(s);
  }
  r.open_macro_flags = macro.load_flags(/*include_accepted=*/false);
  return r;
}

nlohmann::json DataCheckReport::to_json() const {
  nlohmann::json missing = nlohmann::json::array();
  for (const auto& [d, n] : days_missing)
    missing.push_back({{"date", format_date(d)}, {"missing", n}});
  nlohmann::json jumps = nlohmann::json::array();
  for (const auto& f : jump_flags)
    jumps.push_back({{"time", format_rfc3339(f.time)}, {"change", f.value}, {"detail", f.detail}});
  nlohmann::json m = nlohmann::json::array();
  for (const auto& s : macro) {
    m.push_back(
        {{"variable", s.variable},
         {"last_date", s.last_date ? nlohmann::json(format_date(*s.last_date)) : nlohmann::json()},
         {"age_days", s.age_days},
         {"stale_days", s.stale_days},
         {"stale", s.stale}});
  }
  nlohmann::json mf = nlohmann::json::array();
  for (const auto& f : open_macro_flags) {
    mf.push_back({{"variable", f.variable},
                  {"date", format_date(f.observation_date)},
                  {"value", f.value},
                  {"rule", f.rule},
                  {"detail", f.detail}});
  }
  return {{"from", format_rfc3339(from)},
          {"to", format_rfc3339(to)},
          {"expected_bars", expected_bars},
          {"present_bars", present_bars},
          {"coverage", coverage},
          {"min_coverage", min_coverage},
          {"passed", passed()},
          {"days_missing_bars", missing},
          {"holiday_bars", holiday_bars},
          {"flat_bars", flat_bars},
          {"flat_share", flat_share},
          {"rejected_by_reason", rejected_by_reason},
          {"flags_by_rule", flags_by_rule},
          {"jump_flags", jumps},
          {"macro", m},
          {"open_macro_flags", mf}};
}

std::string DataCheckReport::summary() const {
  std::ostringstream o;
  o << std::fixed << std::setprecision(2);
  o << "window:        " << format_rfc3339(from) << " .. " << format_rfc3339(to) << "\n";
  o << "session bars:  " << present_bars << " of " << expected_bars << " expected (coverage "
    << coverage * 100 << " %, threshold " << min_coverage * 100 << " %) "
    << (passed() ? "OK" : "BELOW THRESHOLD") << "\n";
  o << "days missing bars: " << days_missing.size() << "\n";
  for (size_t i = 0; i < days_missing.size() && i < 10; ++i) {
    o << "  " << format_date(days_missing[i].first) << ": " << days_missing[i].second
      << " missing\n";
  }
  if (days_missing.size() > 10)
    o << "  … (" << days_missing.size() - 10 << " more; the JSON report lists all)\n";
  o << "holiday bars:  " << holiday_bars << " (Colombian holidays; accepted and flagged)\n";
  o << "close-only:    " << flat_bars << " bars (" << flat_share * 100 << " %)\n";
  o << "rejected rows:";
  if (rejected_by_reason.empty()) o << " none";
  o << "\n";
  for (const auto& [k, v] : rejected_by_reason) o << "  " << k << ": " << v << "\n";
  o << "bar flags:";
  if (flags_by_rule.empty()) o << " none";
  o << "\n";
  for (const auto& [k, v] : flags_by_rule) o << "  " << k << ": " << v << "\n";
  o << "macro (as of the end of the window):\n";
  for (const auto& s : macro) {
    o << "  " << std::left << std::setw(10) << s.variable << " ";
    if (s.last_date)
      o << format_date(*s.last_date) << "  age " << s.age_days << " d";
    else
      o << "no data";
    o << (s.stale ? "  STALE" : "") << "\n";
  }
  o << "open macro flags: " << open_macro_flags.size() << "\n";
  for (const auto& f : open_macro_flags) {
    o << "  " << f.variable << " " << format_date(f.observation_date) << " " << f.rule << ": "
      << f.detail << "\n";
  }
  return o.str();
}

}  // namespace usdcop::market
