#include "live/replay_feed.hpp"

#include <thread>

#include "core/error.hpp"
#include "market/csv_source.hpp"

namespace usdcop::live {

struct ReplayFeed::Columns {
  market::BarCsvColumns bar;
};

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

void merge(ReplayReport& into, const market::BarImportReport& r) {
  into.inserted += r.inserted;
  into.identical += r.identical + r.duplicates_in_input;
  into.rejected += r.rejected;
  into.flagged += r.flagged;
  for (const auto& [reason, n] : r.rejected_by_reason) into.rejected_by_reason[reason] += n;
  for (const auto& s : r.reject_samples)
    if (into.reject_samples.size() < 20) into.reject_samples.push_back(s);
}

}  // namespace

ReplayFeed::ReplayFeed(market::BarStore& bars, SimulatedClock& clock, ReplayOptions options,
                       std::function<std::optional<Timestamp>()> handled_until)
    : bars_(bars),
      clock_(clock),
      options_(std::move(options)),
      handled_until_(std::move(handled_until)) {
  if (options_.source.empty()) options_.source = "replay:" + options_.file.filename().string();
  if (options_.speed && !(*options_.speed > 0))
    throw Error(ErrorKind::invalid_input, "speed: must be a positive number or max", "speed");
}

void ReplayFeed::pace(Timestamp close, const std::atomic<bool>* stop) {
  const Timestamp now = clock_.now();
  // The first row plays at once: before it the clock is not on the replay's time yet.
  if (!options_.speed || !paced_ || !(now < close)) {
    paced_ = true;
    return;
  }
  const auto real = std::chrono::duration<double>(close - now) / *options_.speed;
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(real);
  while (std::chrono::steady_clock::now() < until) {
    if (stop != nullptr && stop->load()) return;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        until - std::chrono::steady_clock::now(), std::chrono::milliseconds(100)));
  }
}

void ReplayFeed::play_row(long line_no, std::string_view line,
                          const std::vector<std::string_view>& fields, ReplayReport& report) {
  ++report.rows;
  auto window = market::default_bar_time_window();
  std::optional<Timestamp> time;
  if (fields.size() == columns_->bar.count)
    time = parse_timestamp(std::string(trim(fields[columns_->bar.time])));
  if (time) {
    // Inserted at its simulated close time; the clock never goes back.
    const Timestamp close = *time + std::chrono::minutes(5);
    if (clock_.now() < close) clock_.set(close);
  }
  window.now = clock_.now();
  market::BarImporter importer(bars_, {options_.source, false, 0.05, window});
  std::optional<Timestamp> handled = handled_until_();
  if (last_ && (!handled || *handled < *last_)) handled = last_;
  bool out_of_order = false;
  if (time && handled && *time < *handled) {
    const auto stored = bars_.load_bars(*time, *time + std::chrono::microseconds(1));
    out_of_order = stored.empty();  // a stored bar: the importer says identical or conflict
  }
  if (out_of_order) {
    importer.reject(line_no, line, kOutOfOrder,
                    "time " + format_rfc3339(*time) + " is older than the last handled bar " +
                        format_rfc3339(*handled));
  } else {
    market::add_bar_csv_line(importer, columns_->bar, line_no, line, fields);
  }
  const auto r = importer.finish();
  merge(report, r);
  if (time && r.rejected == 0 && (!last_ || *last_ < *time)) last_ = time;
}

bool ReplayFeed::joins_chunk(const std::optional<Timestamp>& time) {
  if (!time) return true;  // rejected by the importer whatever comes before it
  for (const auto& row : chunk_)
    if (row.time && !(*row.time < *time)) return false;
  std::optional<Timestamp> handled = handled_until_();
  if (last_ && (!handled || *handled < *last_)) handled = last_;
  return !handled || *handled < *time;
}

void ReplayFeed::play_chunk(ReplayReport& report) {
  if (chunk_.empty()) return;
  auto window = market::default_bar_time_window();
  window.now = clock_.now();  // the last row's close: no row of the chunk is in the future
  market::BarImporter importer(bars_, {options_.source, false, 0.05, window});
  std::vector<std::optional<Timestamp>> valid;
  for (const auto& row : chunk_) {
    ++report.rows;
    const std::size_t before = importer.valid_rows();
    market::add_bar_csv_line(importer, columns_->bar, row.line_no, row.line, row.fields);
    if (importer.valid_rows() > before && row.time) valid.push_back(row.time);
  }
  const auto r = importer.finish();
  merge(report, r);
  for (const auto& t : valid)
    if (!last_ || *last_ < *t) last_ = t;
  chunk_.clear();
}

ReplayReport ReplayFeed::run(const std::function<void()>& after_row,
                             const std::atomic<bool>* stop) {
  const std::string text = market::read_text_file(options_.file);
  ReplayReport report;
  const bool chunked = !options_.speed && options_.chunk > 1;
  auto flush = [&] {
    if (chunk_.empty()) return;
    play_chunk(report);
    if (after_row) after_row();
  };
  market::for_each_csv_line(
      text, [&](long line_no, std::string_view line, const std::vector<std::string_view>& fields) {
        if (stop != nullptr && stop->load()) return;
        if (!columns_) {
          columns_ = std::make_shared<Columns>(
              Columns{market::bar_csv_columns(fields, options_.file.string(), line_no)});
          return;
        }
        std::optional<Timestamp> time;
        if (fields.size() == columns_->bar.count)
          time = parse_timestamp(std::string(trim(fields[columns_->bar.time])));
        if (chunked && joins_chunk(time)) {
          // Inserted at its simulated close time; the clock never goes back.
          if (time && clock_.now() < *time + std::chrono::minutes(5))
            clock_.set(*time + std::chrono::minutes(5));
          chunk_.push_back({line_no, line, fields, time});
          if (chunk_.size() >= options_.chunk) flush();
          return;
        }
        flush();
        if (time) pace(*time + std::chrono::minutes(5), stop);
        play_row(line_no, line, fields, report);
        if (after_row) after_row();
      });
  if (stop == nullptr || !stop->load()) flush();
  if (!columns_)
    throw Error(ErrorKind::invalid_input, options_.file.string() + ": empty file (no header)",
                "replay_file");
  return report;
}

}  // namespace usdcop::live
