#include "demo_market.hpp"

#include <fstream>
#include <iomanip>
#include <iostream>
#include <set>

#include "app/ingest.hpp"
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "ingest_render.hpp"
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

}  // namespace

DemoMarket import_demo_market(app::Services& db, const DemoMarketRequest& r) {
  if (r.data.empty()) return synthetic_market(db, r);
  render_text(std::cout, app::ingest_bar_file(db, {r.data, false}));
  if (!r.macro.empty()) render_text(std::cout, app::ingest_macro_file(db, r.macro));
  const auto bars = db.bars().load_bars(Timestamp{}, Timestamp::max());
  if (bars.empty()) throw Error(ErrorKind::invalid_input, "--data: no bars were imported");
  return {bars.front().time, bars.back().time + kBarLength, {}, 0};
}

}  // namespace usdcop::cli
