#include "market/bar_import.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <sstream>
#include <unordered_map>

#include "core/calendar.hpp"
#include "market/bar_validation.hpp"

namespace usdcop::market {
namespace {

constexpr size_t kRejectSamples = 20;
constexpr size_t kEchoLimit = 200;  // characters of a reject shown in a report

// Parses a decimal number; empty means `fallback` when allowed. Accepts "nan"/"inf" so that
// they are rejected as non-finite (a clearer reason than "malformed").
bool parse_number(std::string_view s, double& out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == '\r')) s.remove_suffix(1);
  if (s.empty()) return false;
  const char* first = s.data();
  if (*first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

// A field quoted in a message: long input is cut (the raw row keeps everything), so a 1 MB
// field never floods a terminal or the detail column.
std::string excerpt(std::string_view s) {
  return text_excerpt(trim(s), 80);
}

}  // namespace

std::vector<BarFlag> BarImporter::derive_flags(const std::vector<Bar>& bars) {
  std::vector<BarFlag> flags;
  if (bars.empty()) return flags;
  std::optional<double> prev_close;
  if (auto before = store_.bar_before(bars.front().time)) prev_close = before->close;
  for (const Bar& b : bars) {
    if (prev_close) {
      const double change = b.close / *prev_close - 1.0;
      if (std::abs(change) > options_.jump_bound) {
        std::ostringstream d;
        d << "close " << b.close << " vs previous " << *prev_close << ": change " << change
          << " beyond " << options_.jump_bound;
        flags.push_back(BarFlag{b.time, "jump", change, d.str()});
      }
    }
    if (is_colombian_holiday(cot_date(b.time))) {
      flags.push_back(
          BarFlag{b.time, "holiday", 0.0,
                  "bar on a Colombian public holiday " + format_date(cot_date(b.time))});
    }
    prev_close = b.close;
  }
  return flags;
}

BarImporter::BarImporter(BarStore& store, BarImportOptions options)
    : store_(store), options_(std::move(options)) {
  report_.source = options_.source;
}

void BarImporter::reject(long line, std::string_view raw, std::string_view reason,
                         std::string detail) {
  ++report_.rows_read;  // a row that could not be split is still a row read
  record_reject(line, raw, reason, std::move(detail));
}

void BarImporter::record_reject(long line, std::string_view raw, std::string_view reason,
                                std::string detail) {
  RejectedBar r;
  r.source = options_.source;
  r.line = line;
  r.raw = std::string(raw);
  r.reason = std::string(reason);
  r.detail = std::move(detail);
  rejects_.push_back(std::move(r));
}

void BarImporter::add_text(long line, std::string_view raw, std::string_view time,
                           std::string_view open, std::string_view high, std::string_view low,
                           std::string_view close, std::string_view volume) {
  ++report_.rows_read;
  std::string why;
  const std::string time_text = trim(time);
  auto t = parse_timestamp(time_text, &why);
  if (!t) {
    record_reject(line, raw, reject_reason::kBadTime, "time '" + excerpt(time_text) + "': " + why);
    return;
  }
  Bar bar;
  bar.time = *t;
  const std::pair<const char*, std::string_view> fields[] = {
      {"open", open}, {"high", high}, {"low", low}, {"close", close}};
  double* targets[] = {&bar.open, &bar.high, &bar.low, &bar.close};
  for (int i = 0; i < 4; ++i) {
    if (!parse_number(fields[i].second, *targets[i])) {
      record_reject(
          line, raw, reject_reason::kMalformed,
          std::string(fields[i].first) + " '" + excerpt(fields[i].second) + "' is not a number");
      rejects_.back().time = t;
      return;
    }
  }
  if (trim(volume).empty()) {
    bar.volume = 0;
  } else if (!parse_number(volume, bar.volume)) {
    record_reject(line, raw, reject_reason::kMalformed,
                  "volume '" + excerpt(volume) + "' is not a number");
    rejects_.back().time = t;
    return;
  }
  --report_.rows_read;  // add_bar counts it
  add_bar(bar, line, raw);
}

void BarImporter::add_bar(const Bar& bar, long line, std::string_view raw) {
  ++report_.rows_read;
  auto p = check_bar_time(bar, options_.window);
  if (!p) p = validate_bar(bar);
  if (p) {
    record_reject(line, raw, p->reason, std::move(p->detail));
    rejects_.back().time = bar.time;
    return;
  }
  pending_.push_back(Pending{bar, line, std::string(raw)});
}

std::vector<Bar> BarImporter::unique_bars(std::vector<const Pending*>& origin) {
  std::stable_sort(pending_.begin(), pending_.end(),
                   [](const Pending& a, const Pending& b) { return a.bar.time < b.bar.time; });
  // Repeats inside the input: identical ones are no-ops, different ones are conflicts
  // (the first occurrence wins; the later line is rejected and kept in rejected_bars).
  std::vector<Bar> bars;
  bars.reserve(pending_.size());
  origin.reserve(pending_.size());
  for (const Pending& p : pending_) {
    if (!bars.empty() && bars.back().time == p.bar.time) {
      if (bars.back().same_values(p.bar)) {
        ++report_.duplicates_in_input;
      } else {
        record_reject(
            p.line, p.raw, reject_reason::kConflict,
            "same time as line " + std::to_string(origin.back()->line) + " with different values");
        rejects_.back().time = p.bar.time;
      }
      continue;
    }
    bars.push_back(p.bar);
    origin.push_back(&p);
  }
  return bars;
}

void BarImporter::tally(const std::vector<BarFlag>& flags, long new_flags) {
  report_.rejected = static_cast<long>(rejects_.size());
  for (const auto& r : rejects_) ++report_.rejected_by_reason[r.reason];
  // A re-import re-derives the same flags; only new ones are reported as flagged, but the
  // per-rule counts describe every flag on the bars of this input.
  report_.flagged = new_flags;
  for (const auto& f : flags) ++report_.flagged_by_rule[f.rule];
  for (size_t i = 0; i < rejects_.size() && i < kRejectSamples; ++i)
    report_.reject_samples.push_back(rejects_[i]);
}

BarImportReport BarImporter::finish() {
  const auto started = std::chrono::steady_clock::now();
  std::vector<const Pending*> origin;
  std::vector<Bar> bars = unique_bars(origin);

  // Flags are computed before writing, against the stored bar preceding the input.
  BarImportBatch batch;
  batch.source = options_.source;
  batch.replace = options_.replace;
  batch.bars = std::move(bars);
  batch.flags = derive_flags(batch.bars);
  batch.rejects = std::move(rejects_);
  // Conflicts are only known inside the write; their rejects join the same transaction.
  auto complete = [&](const BarWriteResult& written, BarImportBatch& b) {
    if (written.conflicts.empty()) return;
    std::unordered_map<int64_t, const Pending*> by_time;
    for (size_t i = 0; i < b.bars.size(); ++i)
      by_time.emplace(b.bars[i].time.time_since_epoch().count(), origin[i]);
    std::unordered_map<int64_t, bool> conflicted;
    for (const Bar& c : written.conflicts) {
      const Pending* p = by_time.at(c.time.time_since_epoch().count());
      RejectedBar r{options_.source,
                    p->line,
                    p->raw,
                    std::string(reject_reason::kConflict),
                    "a bar with different values is already stored at " + format_rfc3339(c.time) +
                        " (an import in replace mode overwrites it)",
                    c.time};
      b.rejects.push_back(std::move(r));
      conflicted[c.time.time_since_epoch().count()] = true;
    }
    // Flags only describe bars that were written.
    std::erase_if(b.flags, [&](const BarFlag& f) {
      return conflicted.count(f.time.time_since_epoch().count()) > 0;
    });
  };
  const BarImportWrite written = store_.write_import(batch, complete);
  report_.inserted = written.bars.inserted;
  report_.identical = written.bars.identical;
  report_.replaced = written.bars.replaced;
  report_.rejects_recorded = written.new_rejects;
  rejects_ = std::move(batch.rejects);
  tally(batch.flags, written.new_flags);
  report_.seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  pending_.clear();
  rejects_.clear();
  return report_;
}

nlohmann::json BarImportReport::to_json() const {
  nlohmann::json samples = nlohmann::json::array();
  for (const auto& r : reject_samples) {
    samples.push_back({{"line", r.line},
                       {"reason", r.reason},
                       {"detail", text_excerpt(r.detail, kEchoLimit)},
                       {"raw", text_excerpt(r.raw, kEchoLimit)}});
  }
  return {{"source", source},
          {"rows_read", rows_read},
          {"inserted", inserted},
          {"identical", identical},
          {"replaced", replaced},
          {"duplicates_in_input", duplicates_in_input},
          {"rejected", rejected},
          {"rejects_recorded", rejects_recorded},
          {"rejected_by_reason", rejected_by_reason},
          {"flagged", flagged},
          {"flagged_by_rule", flagged_by_rule},
          {"changed_nothing", changed_nothing()},
          {"reject_samples", samples},
          {"seconds", seconds}};
}

std::string BarImportReport::summary() const {
  std::ostringstream o;
  o << "source:     " << source << "\n"
    << "rows read:  " << rows_read << "\n"
    << "inserted:   " << inserted << "\n"
    << "identical:  " << identical << " (already stored, unchanged)\n";
  if (replaced) o << "replaced:   " << replaced << "\n";
  if (duplicates_in_input)
    o << "repeated:   " << duplicates_in_input << " (identical repeats in the input)\n";
  o << "rejected:   " << rejected;
  if (rejected > 0 && rejects_recorded < rejected)
    o << " (" << rejected - rejects_recorded << " already in market.rejected_bars)";
  o << "\n";
  for (const auto& [reason, n] : rejected_by_reason) o << "  " << reason << ": " << n << "\n";
  o << "flagged:    " << flagged << "\n";
  for (const auto& [rule, n] : flagged_by_rule) o << "  " << rule << ": " << n << "\n";
  for (size_t i = 0; i < reject_samples.size() && i < 5; ++i) {
    const auto& r = reject_samples[i];
    o << "  e.g. line " << r.line << ": " << r.reason << ": " << text_excerpt(r.detail, kEchoLimit)
      << "\n";
  }
  if (changed_nothing()) o << "nothing changed in the database\n";
  return o.str();
}

}  // namespace usdcop::market
