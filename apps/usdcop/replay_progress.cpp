#include "replay_progress.hpp"

#include <unistd.h>

#include <iostream>

#include "core/time.hpp"

namespace usdcop::cli {

Timestamp from_flag(const std::string& text) {
  return parse_time_or_date(text, "from");
}

Timestamp to_flag(const std::string& text) {
  return parse_end_bound(text, "to");
}

ProgressReporter::ProgressReporter(std::string label)
    : label_(std::move(label)), tty_(::isatty(2) != 0) {}

void ProgressReporter::bars_done(long done, long total) {
  if (total <= 0) return;
  const double f = static_cast<double>(done) / static_cast<double>(total);
  if (tty_) {
    const int width = 40;
    const int filled = static_cast<int>(f * width);
    std::cerr << '\r' << label_ << " [" << std::string(static_cast<std::size_t>(filled), '#')
              << std::string(static_cast<std::size_t>(width - filled), ' ') << "] "
              << static_cast<int>(f * 100) << "% " << done << '/' << total << " bars" << std::flush;
    if (done == total) std::cerr << '\n';
    return;
  }
  const int decile = static_cast<int>(f * 10);
  if (decile != last_decile_) {
    last_decile_ = decile;
    std::cerr << label_ << ": " << done << '/' << total << " bars (" << decile * 10 << "%)\n";
  }
}

}  // namespace usdcop::cli
