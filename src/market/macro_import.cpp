#include "market/macro_import.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <deque>
#include <sstream>

#include "core/error.hpp"
#include "market/bar_validation.hpp"

namespace usdcop::market {
namespace {

constexpr size_t kJumpWindow = 20;

double median(std::vector<double> v) {
  const size_t n = v.size();
  std::nth_element(v.begin(), v.begin() + n / 2, v.end());
  const double hi = v[n / 2];
  if (n % 2 == 1) return hi;
  const double lo = *std::max_element(v.begin(), v.begin() + n / 2);
  return (lo + hi) / 2.0;
}

std::string num(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

}  // namespace

std::vector<MacroFlag> check_macro_quality(const MacroVariable& var,
                                           const std::vector<MacroObservation>& history,
                                           std::vector<MacroObservation>& incoming) {
  // Merge by date; an incoming value replaces a stored one of the same date.
  struct Item {
    MacroObservation* in;         // non-null for incoming
    const MacroObservation* old;  // non-null for history
    Date date() const { return in ? in->observation_date : old->observation_date; }
  };
  std::vector<Item> items;
  items.reserve(history.size() + incoming.size());
  for (auto& o : incoming) items.push_back({&o, nullptr});
  std::sort(items.begin(), items.end(),
            [](const Item& a, const Item& b) { return a.date() < b.date(); });
  std::vector<Date> incoming_dates;
  for (const Item& it : items) incoming_dates.push_back(it.date());
  for (const auto& o : history) {
    if (!std::binary_search(incoming_dates.begin(), incoming_dates.end(), o.observation_date))
      items.push_back({nullptr, &o});
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.date() < b.date(); });

  std::vector<MacroFlag> flags;
  std::deque<double> window;  // the last 20 accepted values
  for (const Item& it : items) {
    if (it.old) {
      if (!it.old->flagged) {
        window.push_back(it.old->value);
        if (window.size() > kJumpWindow) window.pop_front();
      }
      continue;
    }
    MacroObservation& o = *it.in;
    o.flagged = false;
    if (o.value < var.min_value || o.value > var.max_value) {
      flags.push_back({var.name, o.observation_date, o.value, "range",
                       var.name + " " + num(o.value) + " outside plausible range [" +
                           num(var.min_value) + ", " + num(var.max_value) + "]",
                       std::nullopt, ""});
      o.flagged = true;
    } else if (var.max_jump && window.size() >= kJumpWindow) {
      const double med = median(std::vector<double>(window.begin(), window.end()));
      const double jump = std::abs(o.value / med - 1.0);
      // Compared as |x - median| > max_jump * median so that a move of exactly the bound
      // (e.g. 80 vs 50 at 0.6) is not flagged by a rounding error in the division.
      if (std::abs(o.value - med) > *var.max_jump * std::abs(med)) {
        flags.push_back({var.name, o.observation_date, o.value, "jump",
                         var.name + " " + num(o.value) + " vs median " + num(med) +
                             " of the previous 20 accepted: |x/median-1| = " + num(jump) + " > " +
                             num(*var.max_jump),
                         std::nullopt, ""});
        o.flagged = true;
      }
    }
    if (!o.flagged) {
      window.push_back(o.value);
      if (window.size() > kJumpWindow) window.pop_front();
    }
  }
  return flags;
}

MacroImporter::MacroImporter(MacroStore& store, const MacroCatalog& catalog, std::string source)
    : store_(store), catalog_(catalog) {
  report_.source = std::move(source);
}

void MacroImporter::add(const std::string& variable, std::string_view date, std::string_view value,
                        std::string_view raw) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == '\r'))
      s.remove_suffix(1);
    return s;
  };
  value = trim(value);
  if (value.empty()) return;
  const auto d = parse_date(trim(date));
  double v = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (!d || ec != std::errc() || ptr != value.data() + value.size() || !std::isfinite(v)) {
    ++report_.rejected;
    if (report_.reject_samples.size() < 20) {
      report_.reject_samples.push_back(variable + " " + text_excerpt(date, 40) + ": '" +
                                       text_excerpt(value, 80) +
                                       (d ? "' is not a finite number" : "' has an invalid date") +
                                       " (" + std::string(raw.substr(0, 120)) + ")");
    }
    return;
  }
  add_observation(variable, *d, v);
}

void MacroImporter::reject_line(long line, std::string_view raw, const std::string& why) {
  ++report_.rejected;
  if (report_.reject_samples.size() < 20) {
    report_.reject_samples.push_back("line " + std::to_string(line) + ": " + why + " (" +
                                     std::string(raw.substr(0, 120)) + ")");
  }
}

void MacroImporter::add_observation(const std::string& variable, Date date, double value) {
  const MacroVariable& var = catalog_.at(variable);
  ++report_.values_read;
  ++report_.per_variable[variable];
  MacroObservation o;
  o.variable = variable;
  o.observation_date = date;
  o.value = value;
  o.available_at = available_at(date, var.delay_days);
  o.source = report_.source;
  incoming_[variable].push_back(std::move(o));
}

MacroImportReport MacroImporter::finish() {
  const auto started = std::chrono::steady_clock::now();
  std::vector<MacroObservation> all;
  std::vector<MacroFlag> flags;
  for (auto& [name, obs] : incoming_) {
    // Within one input the last value of a date wins.
    std::stable_sort(obs.begin(), obs.end(), [](const auto& a, const auto& b) {
      return a.observation_date < b.observation_date;
    });
    std::vector<MacroObservation> unique;
    for (auto& o : obs) {
      if (!unique.empty() && unique.back().observation_date == o.observation_date)
        unique.back() = o;
      else
        unique.push_back(o);
    }
    const auto history = store_.load_variable(name);
    auto f = check_macro_quality(catalog_.at(name), history, unique);
    flags.insert(flags.end(), f.begin(), f.end());
    all.insert(all.end(), unique.begin(), unique.end());
  }
  const MacroWriteResult w = store_.write_observations(all, flags);
  report_.inserted = w.inserted;
  report_.updated = w.updated;
  report_.unchanged = w.unchanged;
  report_.flagged = static_cast<long>(flags.size());
  report_.flags = std::move(flags);
  report_.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  incoming_.clear();
  return report_;
}

nlohmann::json MacroImportReport::to_json() const {
  nlohmann::json fl = nlohmann::json::array();
  for (const auto& f : flags) {
    fl.push_back({{"variable", f.variable},
                  {"date", format_date(f.observation_date)},
                  {"value", f.value},
                  {"rule", f.rule},
                  {"detail", f.detail}});
  }
  return {{"source", source},
          {"values_read", values_read},
          {"inserted", inserted},
          {"updated", updated},
          {"unchanged", unchanged},
          {"rejected", rejected},
          {"reject_samples", reject_samples},
          {"flagged", flagged},
          {"flags", fl},
          {"per_variable", per_variable},
          {"unknown_columns", unknown_columns},
          {"seconds", seconds}};
}

std::string MacroImportReport::summary() const {
  std::ostringstream o;
  o << "source:      " << source << "\n"
    << "values read: " << values_read << "\n"
    << "inserted:    " << inserted << "\n"
    << "updated:     " << updated << "\n"
    << "unchanged:   " << unchanged << "\n"
    << "rejected:    " << rejected << "\n";
  for (const auto& s : reject_samples) o << "  " << s << "\n";
  o << "flagged:     " << flagged
    << " (excluded from features until accepted: usdcop data accept-flag)\n";
  for (const auto& f : flags)
    o << "  " << format_date(f.observation_date) << " " << f.rule << ": " << f.detail << "\n";
  for (const auto& [v, n] : per_variable) o << "  " << v << ": " << n << " values\n";
  if (!unknown_columns.empty()) {
    o << "columns not in the catalog (ignored):";
    for (const auto& c : unknown_columns) o << " " << c;
    o << "\n";
  }
  return o.str();
}

}  // namespace usdcop::market
