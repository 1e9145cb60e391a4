#pragma once
// The live engine started from another command (`usdcop up`, `usdcop demo`): the very run of
// `usdcop engine [--replay FILE --speed N]` (engine_commands.cpp), on the caller's thread, over
// the process's Services. The caller owns the signals: it blocks SIGINT/SIGTERM and calls
// stop_engine() when one arrives; the engine then stops between bars.
#include <string>

namespace usdcop::cli {

struct EngineLaunch {
  std::string replay;         // empty: live (catch-up on NOTIFY and every tick)
  std::string speed = "max";  // simulated seconds per real second, or max
  double tick_s = 30;
  std::string feed;          // live polling feed ("" none, "twelvedata"); not during a replay
  double poll_offset_s = 5;  // seconds after a bar's close
};

// Runs until the replay has been played (replay) or stop_engine() (live). Prints the run's
// summary. Throws what `usdcop engine` throws (no deployed model: Error(not_found), ...);
// ExitRequest{kPartial} when the replay had rejected rows.
void run_engine_in_process(const EngineLaunch& launch);
// Asks a running run_engine_in_process to stop between bars (thread-safe).
void stop_engine();

}  // namespace usdcop::cli
