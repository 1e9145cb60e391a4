#pragma once
// L1 (spec 06): bar -> feature row. The only writer of live feature rows. It folds each new
// bar into the canonical FeatureBuilder with the macro data as of the bar and commits the row,
// the builder state and its watermark in one handler transaction (LiveStore::commit_features),
// so a restart resumes from exactly the last committed bar.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "features/feature_builder.hpp"
#include "features/macro_features.hpp"
#include "live/live_store.hpp"
#include "market/macro_catalog.hpp"
#include "market/macro_store.hpp"

namespace usdcop::live {

// "new_ohlcv_bar:2025-02-03T13:00:00Z": the deterministic id of a bar's L1 event.
std::string bar_event_id(Timestamp bar_time);

class FeatureStage {
 public:
  FeatureStage(LiveStore& store, market::MacroStore& macro, market::MacroCatalog catalog);

  // The builder after `last_bar` (nullopt: nothing folded yet), from its serialized state.
  void restore(std::optional<Timestamp> last_bar, const std::string& state);
  // Folds `bar` (newer than the last one) and commits its row. Returns the row; when the event
  // was already processed by another engine, nullopt (the caller reloads the watermarks).
  std::optional<features::FeatureRow> process(const market::Bar& bar, long epoch);
  // The same for several bars (oldest first) in one transaction (a catch-up that is behind):
  // their rows, or nullopt when one of the events was processed by another engine.
  std::optional<std::vector<features::FeatureRow>> process_batch(
      const std::vector<market::Bar>& bars, long epoch);
  // Reloads the macro series when their stored version changed (new observations, flags).
  void refresh_macro();

  // A revision rebuild (spec 12): folds `history` (every stored bar up to the watermark, oldest
  // first, from the first stored bar: the fold `features build` and L1 continue) with the
  // macro data as of each bar, and returns the rows of the bars at or after `first` and the
  // builder after the last bar. The stage itself does not move (see adopt).
  struct Refold {
    std::vector<features::FeatureRow> rows;
    features::FeatureBuilder builder;
  };
  Refold refold(const std::vector<market::Bar>& history, Timestamp first);
  // The builder of a committed rebuild; its last bar must be the stage's last bar.
  void adopt(const features::FeatureBuilder& builder);

  std::optional<Timestamp> last_bar() const { return last_bar_; }

 private:
  LiveStore& store_;
  market::MacroStore& macro_store_;
  market::MacroCatalog catalog_;
  std::string macro_version_;
  std::unique_ptr<features::MacroInputs> macro_;
  std::unique_ptr<features::MacroCursor> cursor_;
  features::FeatureBuilder builder_;
  std::optional<Timestamp> last_bar_;
};

}  // namespace usdcop::live
