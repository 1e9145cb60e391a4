#pragma once
// The one path by which bars enter the database, whatever their source (CSV, TwelveData,
// synthetic, replay): validate each row, collect rejects with reasons, write the good rows in
// bulk, flag jumps and holiday bars, and report counts. Nothing is silently dropped.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "market/bar.hpp"
#include "market/bar_store.hpp"
#include "market/bar_validation.hpp"

namespace usdcop::market {

struct BarImportOptions {
  std::string source;        // "csv:<file>", "twelvedata", "synthetic", "replay"
  bool replace = false;      // overwrite stored bars whose values differ
  double jump_bound = 0.05;  // |close/prev_close - 1| above this is flagged
  // Bars before window.earliest are rejected implausible_time, bars not closed by window.now
  // future_bar (spec 12).
  BarTimeWindow window = default_bar_time_window();
};

struct BarImportReport {
  std::string source;
  long rows_read = 0;
  long inserted = 0;
  long identical = 0;  // already stored, same values
  long replaced = 0;
  long duplicates_in_input = 0;  // identical repeats inside the same input
  long rejected = 0;
  long rejects_recorded = 0;  // rejects new to market.rejected_bars (a re-import adds none)
  std::map<std::string, long> rejected_by_reason;
  long flagged = 0;
  std::map<std::string, long> flagged_by_rule;
  std::vector<RejectedBar> reject_samples;  // the first few, for the operator
  double seconds = 0;

  bool changed_nothing() const {
    return inserted == 0 && replaced == 0 && rejects_recorded == 0 && flagged == 0;
  }
  nlohmann::json to_json() const;
  std::string summary() const;  // multi-line human text
};

class BarImporter {
 public:
  BarImporter(BarStore& store, BarImportOptions options);

  // A textual record (CSV columns or API strings): parsed and validated here.
  void add_text(long line, std::string_view raw, std::string_view time, std::string_view open,
                std::string_view high, std::string_view low, std::string_view close,
                std::string_view volume);
  // A record already parsed by the caller (synthetic generator, replay).
  void add_bar(const Bar& bar, long line, std::string_view raw);
  // A record that could not even be split into fields (counted as a row read).
  void reject(long line, std::string_view raw, std::string_view reason, std::string detail);

  // Writes everything (one transaction for bars, rejects and flags) and returns the report.
  BarImportReport finish();
  // Records added so far that passed validation (written, or found identical, by finish).
  std::size_t valid_rows() const { return pending_.size(); }

 private:
  struct Pending {
    Bar bar;
    long line;
    std::string raw;
  };
  std::vector<BarFlag> derive_flags(const std::vector<Bar>& bars);
  // The sorted pending bars without repeats (origin[i] is bars[i]'s input line); repeats with
  // different values become conflict rejects.
  std::vector<Bar> unique_bars(std::vector<const Pending*>& origin);
  // Counts of the written import into report_.
  void tally(const std::vector<BarFlag>& flags, long new_flags);
  void record_reject(long line, std::string_view raw, std::string_view reason, std::string detail);

  BarStore& store_;
  BarImportOptions options_;
  BarImportReport report_;
  std::vector<Pending> pending_;
  std::vector<RejectedBar> rejects_;
};

}  // namespace usdcop::market
