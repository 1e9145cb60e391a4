#pragma once
// Stage 2 of the demo: the market data. Synthetic by default (or the user's files), and with a
// live ending (spec 12) the last sessions are held back from the import, written to a replay
// file and replayed live at the end; a rerun extends the synthetic series past the newest
// stored bar and replays the next sessions.
#include <cstdint>
#include <filesystem>
#include <string>

#include "app/services.hpp"
#include "core/time.hpp"

namespace usdcop::cli {

struct DemoMarketRequest {
  std::string data, macro;  // the user's files; empty: synthetic
  uint64_t seed = 42;
  std::string from, to;        // synthetic dates (COT days, inclusive)
  int hold_back_sessions = 0;  // 0: import everything (demo --no-serve)
  std::filesystem::path replay_file;
};

struct DemoMarket {
  Timestamp from{}, to{};        // the range the data-quality report checks
  std::filesystem::path replay;  // the held-back sessions ("" when none)
  long replay_bars = 0;
};

DemoMarket import_demo_market(app::Services& db, const DemoMarketRequest& request);

}  // namespace usdcop::cli
