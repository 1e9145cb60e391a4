#include "live/engine.hpp"

#include "core/error.hpp"

namespace usdcop::live {

Engine::Engine(LiveStore& store, market::MacroStore& macro, market::MacroCatalog catalog,
               TradingModel model, EngineOptions options)
    : store_(store),
      options_(std::move(options)),
      features_(store, macro, std::move(catalog)),
      decisions_(store, std::move(model), options_.account) {}

void Engine::start() {
  epoch_ = store_.claim_leader_epoch(options_.holder);
  if (!store_.watermarks().initialized) {
    std::optional<Timestamp> l1;
    std::string state;
    const auto newest = store_.newest_bar();
    if (auto boot = store_.feature_bootstrap()) {
      l1 = boot->last_bar;
      state = std::move(boot->state);
    } else if (newest) {
      throw Error(ErrorKind::conflict,
                  "bars are stored but there is no current feature checkpoint: build the "
                  "features of the stored history (`usdcop features build`) before the "
                  "engine's first start",
                  "features.builder_state");
    }
    store_.initialize_watermarks(l1, state, newest);
  }
  started_ = true;
  load_state();
}

void Engine::load_state() {
  const Watermarks wm = store_.watermarks();
  if (wm.leader_epoch != epoch_)
    throw DeposedLeader("another engine holds leader epoch " + std::to_string(wm.leader_epoch) +
                        " (this one had " + std::to_string(epoch_) + ")");
  features_.restore(wm.l1, wm.l1_state);
  l5_ = wm.l5;
  reconciliation_ = decisions_.rebuild();
  if (!reconciliation_.consistent && reconciliation_sink_) reconciliation_sink_(reconciliation_);
  state_loaded_ = true;
}

bool Engine::decide(const market::Bar& bar, const features::FeatureRow* row) {
  if (decisions_.process(bar, row, epoch_) == DecisionResult::already_processed) {
    ++counters_.duplicates;
    state_loaded_ = false;  // another engine moved on: reload before going further
    return false;
  }
  ++counters_.decisions;
  l5_ = bar.time;
  return true;
}

long Engine::decide_pending() {
  long n = 0;
  const auto l1 = features_.last_bar();
  while (l1 && (!l5_ || *l5_ < *l1)) {
    const auto bars = store_.bars_after(l5_, options_.batch);
    if (bars.empty()) break;
    for (const auto& bar : bars) {
      if (*l1 < bar.time) return n;
      const auto row = store_.feature_row(bar.time);
      if (!decide(bar, row ? &*row : nullptr)) return n;
      ++n;
    }
  }
  return n;
}

long Engine::catch_up() {
  if (!started_) throw std::logic_error("Engine::catch_up before start");
  ++counters_.catch_ups;
  long n = 0;
  try {
    if (!state_loaded_) load_state();
    const auto now = std::chrono::steady_clock::now();
    if (!macro_checked_ || now - *macro_checked_ >= options_.macro_check) {
      features_.refresh_macro();
      macro_checked_ = now;
    }
    n += decide_pending();
    if (!state_loaded_) return n;
    for (;;) {
      const auto bars = store_.bars_after(features_.last_bar(), options_.batch);
      if (bars.empty()) break;
      for (const auto& bar : bars) {
        const auto row = features_.process(bar, epoch_);
        if (!row) {
          ++counters_.duplicates;
          state_loaded_ = false;
          return n;
        }
        ++counters_.features;
        ++n;
        if (l5_ && !(*l5_ < bar.time)) continue;  // before the engine's first start
        if (!decide(bar, &*row)) return n;
      }
    }
  } catch (...) {
    state_loaded_ = false;  // the in-memory state may be ahead of the database
    throw;
  }
  return n;
}

long Engine::on_bar_event(Timestamp bar_time) {
  const auto l1 = features_.last_bar();
  if (state_loaded_ && l1 && !(*l1 < bar_time) && l5_ && !(*l5_ < bar_time)) {
    ++counters_.duplicates;
    return 0;
  }
  return catch_up();
}

}  // namespace usdcop::live
