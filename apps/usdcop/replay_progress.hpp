#pragma once
// What `usdcop backtest` and `usdcop evaluate` share at the door: their --from/--to flags and
// the replay progress on stderr.
#include <string>

#include "app/progress.hpp"
#include "core/time.hpp"

namespace usdcop::cli {

// --from/--to flags (spec 12): a date is the COT calendar day [00:00, 24:00) COT, inclusive in
// --to; an RFC 3339 time is exact and exclusive in --to.
Timestamp from_flag(const std::string& text);
Timestamp to_flag(const std::string& text);

// Progress on stderr: a redrawn bar on a terminal, a plain line every 10 % otherwise.
class ProgressReporter final : public app::ReplayObserver {
 public:
  explicit ProgressReporter(std::string label);
  void bars_done(long done, long total) override;
  void operator()(long done, long total) { bars_done(done, total); }

 private:
  std::string label_;
  bool tty_;
  int last_decile_ = -1;
};

}  // namespace usdcop::cli
