#include "demo_market.hpp"

#include <fstream>
#include <iomanip>
#include <iostream>
#include <set>

#include "app/ingest.hpp"
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "ingest_render.hpp"
#include "market/csv_source.hpp"
#include "market/synthetic.hpp"

namespace usdcop::cli {
namespace {

// The bars to hold back: on a first run the last `sessions` sessions of [from, to]; on a rerun
// (bars stored up to `newest`) the first `sessions` sessions generated after it.
std::vector<market::Bar> held_back(const std::vector<market::Bar>& bars,
                                   std::optional<Timestamp> newest, int sessions) {
  std::vector<market::Bar> candidates;
  for (const auto& b : bars)
    if (!newest || b.time > *newest) candidates.push_back(b);
  std::set<Date> days;
  for (const auto& b : candidates) days.insert(cot_date(b.time));
  std::set<Date> kept;
  if (!newest) {
    for (auto it = days.rbegin(); it != days.rend() && static_cast<int>(kept.size()) < sessions;
         ++it)
      kept.insert(*it);
  } else {
    for (auto it = days.begin(); it != days.end() && static_cast<int>(kept.size()) < sessions; ++it)
      kept.insert(*it);
  }
  std::vector<market::Bar> out;
  for (const auto& b : candidates)
    if (kept.count(cot_date(b.time))) out.push_back(b);
  return out;
}

void write_replay_file(const std::filesystem::path& file, const std::vector<market::Bar>& bars) {
  std::ofstream out(file, std::ios::trunc);
  out << "time,open,high,low,close,volume\n" << std::fixed << std::setprecision(4);
  for (const auto& b : bars)
    out << format_rfc3339(b.time) << ',' << b.open << ',' << b.high << ',' << b.low << ','
        << b.close << ',' << b.volume << '\n';
  if (!out) throw Error(ErrorKind::unavailable, "cannot write " + file.string(), "replay_file");
}

DemoMarket synthetic_market(app::Services& db, const DemoMarketRequest& r) {
  const Date from = parse_date_or_throw(r.from, "--from");
  const Date to = parse_date_or_throw(r.to, "--to");
  DemoMarket out{cot_midnight(from), cot_midnight(to + std::chrono::days{1}), {}, 0};
  if (r.hold_back_sessions <= 0) {
    render_text(std::cout, app::ingest_synthetic(db, {from, to, r.seed}));
    return out;
  }
  // Bars already stored up to (or past) `to`: a rerun continues the same series after them.
  const auto stored = db.bars().bar_before(cot_midnight(to + std::chrono::days{3660}));
  std::optional<Timestamp> newest;
  Date last = to;
  if (stored && stored->time >= cot_midnight(to)) {
    newest = stored->time;
    last = cot_date(stored->time) + std::chrono::days{2 * r.hold_back_sessions + 10};
  }
  const auto replay =
      held_back(market::generate_synthetic(from, last, r.seed).bars, newest, r.hold_back_sessions);
  if (replay.empty()) throw Error(ErrorKind::internal, "the demo found no session to hold back");
  render_text(std::cout, app::ingest_synthetic(db, {from, last, r.seed}, replay.front().time));
  write_replay_file(r.replay_file, replay);
  std::cout << "held back for the live replay: " << replay.size() << " bars ("
            << format_rfc3339(replay.front().time) << " .. " << format_rfc3339(replay.back().time)
            << ") in " << r.replay_file.string() << "\n";
  out.to = replay.front().time;
  out.replay = r.replay_file;
  out.replay_bars = static_cast<long>(replay.size());
  return out;
}

// The user's bar file split in two (spec 12): the last sessions after the newest stored bar
// go to the replay file, the rest to `import_file`. Lines keep their text; lines whose time does
// not parse stay in the import, where the importer rejects them with the reason.
long split_bar_file(const DemoMarketRequest& r, std::optional<Timestamp> newest,
                    const std::filesystem::path& import_file) {
  const std::string text = market::read_text_file(r.data);
  std::string header;
  std::vector<std::pair<std::optional<Timestamp>, std::string>> rows;
  std::optional<market::BarCsvColumns> columns;
  market::for_each_csv_line(
      text, [&](long line_no, std::string_view line, const std::vector<std::string_view>& fields) {
        if (!columns) {
          columns = market::bar_csv_columns(fields, r.data, line_no);
          header = std::string(line);
          return;
        }
        std::optional<Timestamp> t;
        if (fields.size() == columns->count)
          t = parse_timestamp(std::string(fields[columns->time]));
        rows.emplace_back(t, std::string(line));
      });
  std::set<Date> days;
  for (const auto& [t, line] : rows)
    if (t && (!newest || *t > *newest)) days.insert(cot_date(*t));
  std::set<Date> kept;
  for (auto it = days.rbegin();
       it != days.rend() && static_cast<int>(kept.size()) < r.hold_back_sessions; ++it)
    kept.insert(*it);
  std::ofstream import(import_file, std::ios::trunc), replay(r.replay_file, std::ios::trunc);
  import << header << '\n';
  replay << header << '\n';
  long held = 0;
  for (const auto& [t, line] : rows) {
    const bool hold = t && (!newest || *t > *newest) && kept.count(cot_date(*t));
    (hold ? replay : import) << line << '\n';
    held += hold ? 1 : 0;
  }
  if (!import || !replay)
    throw Error(ErrorKind::unavailable, "cannot write " + r.replay_file.string(), "replay_file");
  return held;
}

}  // namespace

DemoMarket import_demo_market(app::Services& db, const DemoMarketRequest& r) {
  if (r.data.empty()) return synthetic_market(db, r);
  long held = 0;
  if (r.hold_back_sessions > 0) {
    const auto stored = db.bars().bar_before(cot_midnight(Date{std::chrono::year{2200} / 1 / 1}));
    const auto import_file = r.replay_file.parent_path() / "demo-import.csv";
    held = split_bar_file(r, stored ? std::optional<Timestamp>(stored->time) : std::nullopt,
                          import_file);
    render_text(std::cout, app::ingest_bar_file(db, {import_file, false}));
    std::cout << "held back for the live replay: " << held << " rows of " << r.data << " in "
              << r.replay_file.string() << "\n";
  } else {
    render_text(std::cout, app::ingest_bar_file(db, {r.data, false}));
  }
  if (!r.macro.empty()) render_text(std::cout, app::ingest_macro_file(db, r.macro));
  const auto bars = db.bars().load_bars(Timestamp{}, Timestamp::max());
  if (bars.empty()) throw Error(ErrorKind::invalid_input, "--data: no bars were imported");
  if (held == 0) return {bars.front().time, bars.back().time + kBarLength, {}, 0};
  return {bars.front().time, bars.back().time + kBarLength, r.replay_file, held};
}

}  // namespace usdcop::cli
