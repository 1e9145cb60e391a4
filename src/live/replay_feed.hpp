#pragma once
// The replay feed (spec 06 "Feeds", spec 12): plays a bar file as if live. Each row goes
// through market::BarImporter (the one import path: validation, duplicates, flags, rejects
// recorded with the raw text) at its simulated close time: the SimulatedClock is set to the bar's
// close first, so "now" for the importer's future_bar rule, the engine and the monitor is the
// replayed time. A row older than the last bar already handled (the L1 watermark or the
// previous row) is rejected `out_of_order` unless the very same bar is stored (a restarted
// replay re-sends it: identical, nothing happens). Bad rows are rejected and the replay goes on.
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "market/bar_import.hpp"
#include "market/bar_store.hpp"

namespace usdcop::live {

inline constexpr std::string_view kOutOfOrder = "out_of_order";

struct ReplayOptions {
  std::filesystem::path file;
  std::optional<double> speed;  // simulated seconds per real second; nullopt: as fast as possible
  std::string source;           // market.rejected_bars.source; default "replay:<file name>"
  // At full speed (no `speed`), up to this many consecutive rows go through one import
  // transaction, each validated and its rejects recorded as alone, the clock at the last row's
  // close; then `after_row` runs once for them. A row not newer than the rows before it
  // (out of order, duplicate, a restarted replay's re-sent bar) is played alone. 1: each row
  // alone. The automatic monitor does not follow this clock but the engine's (the close of
  // the bar being decided), so chunks do not make it act late.
  std::size_t chunk = 1;
};

struct ReplayReport {
  long rows = 0;
  long inserted = 0;
  long identical = 0;  // already stored with the same values (a restarted replay)
  long rejected = 0;
  std::map<std::string, long> rejected_by_reason;
  long flagged = 0;
  std::vector<market::RejectedBar> reject_samples;
};

class ReplayFeed {
 public:
  // `handled_until` gives the engine's L1 watermark (bars older are out of order).
  ReplayFeed(market::BarStore& bars, SimulatedClock& clock, ReplayOptions options,
             std::function<std::optional<Timestamp>()> handled_until);

  // Plays every row; after each one calls `after_row` (the engine's catch-up). Stops early
  // when `stop` becomes true.
  ReplayReport run(const std::function<void()>& after_row, const std::atomic<bool>* stop = nullptr);

 private:
  void pace(Timestamp close, const std::atomic<bool>* stop);
  void play_row(long line_no, std::string_view line, const std::vector<std::string_view>& fields,
                ReplayReport& report);
  struct Row {
    long line_no = 0;
    std::string_view line;
    std::vector<std::string_view> fields;
    std::optional<Timestamp> time;
  };
  // Whether `time` is newer than every bar handled or pending, so it may join the chunk.
  bool joins_chunk(const std::optional<Timestamp>& time);
  void play_chunk(ReplayReport& report);
  std::vector<Row> chunk_;

  market::BarStore& bars_;
  SimulatedClock& clock_;
  ReplayOptions options_;
  std::function<std::optional<Timestamp>()> handled_until_;
  std::optional<Timestamp> last_;  // newest bar time handled by this replay
  bool paced_ = false;             // a row was paced: the clock is on the replay's time
  struct Columns;
  std::shared_ptr<Columns> columns_;
};

}  // namespace usdcop::live
