#include "live/feature_stage.hpp"

#include "core/error.hpp"

namespace usdcop::live {

std::string bar_event_id(Timestamp bar_time) {
  return "new_ohlcv_bar:" + format_rfc3339(bar_time);
}

FeatureStage::FeatureStage(LiveStore& store, market::MacroStore& macro,
                           market::MacroCatalog catalog)
    : store_(store), macro_store_(macro), catalog_(std::move(catalog)) {}

void FeatureStage::restore(std::optional<Timestamp> last_bar, const std::string& state) {
  builder_ = state.empty() ? features::FeatureBuilder{} : features::FeatureBuilder::restore(state);
  if (builder_.last_time() != last_bar) {
    throw Error(ErrorKind::integrity,
                "the L1 watermark and its feature builder state disagree on the last bar",
                "watermarks.L1");
  }
  last_bar_ = last_bar;
}

void FeatureStage::refresh_macro() {
  const std::string version = store_.macro_version();
  if (macro_ && version == macro_version_) return;
  macro_ =
      std::make_unique<features::MacroInputs>(features::MacroInputs::load(macro_store_, catalog_));
  cursor_ = std::make_unique<features::MacroCursor>(*macro_);
  macro_version_ = version;
}

std::optional<features::FeatureRow> FeatureStage::process(const market::Bar& bar, long epoch) {
  if (last_bar_ && !(*last_bar_ < bar.time))
    throw std::logic_error("FeatureStage::process: bars must come in increasing time");
  if (!macro_) refresh_macro();
  // Fold a copy: the builder moves on only once the row is committed.
  features::FeatureBuilder next = builder_;
  const auto vector = next.update(bar, cursor_->at(bar.time));
  FeatureCommit commit{bar_event_id(bar.time), vector.to_row(), next.serialize()};
  if (!store_.commit_features(commit, epoch)) return std::nullopt;
  builder_ = next;
  last_bar_ = bar.time;
  return std::move(commit.row);
}

FeatureStage::Refold FeatureStage::refold(const std::vector<market::Bar>& history,
                                          Timestamp first) {
  refresh_macro();
  features::MacroCursor cursor(*macro_);  // a fresh cursor: the fold starts at the beginning
  Refold out;
  for (const auto& bar : history) {
    const auto vector = out.builder.update(bar, cursor.at(bar.time));
    if (!(bar.time < first)) out.rows.push_back(vector.to_row());
  }
  return out;
}

void FeatureStage::adopt(const features::FeatureBuilder& builder) {
  if (builder.last_time() != last_bar_)
    throw std::logic_error("FeatureStage::adopt: the rebuilt builder ends at another bar");
  builder_ = builder;
}

std::optional<std::vector<features::FeatureRow>> FeatureStage::process_batch(
    const std::vector<market::Bar>& bars, long epoch) {
  if (!macro_) refresh_macro();
  features::FeatureBuilder next = builder_;
  std::vector<FeatureCommit> commits;
  commits.reserve(bars.size());
  std::optional<Timestamp> last = last_bar_;
  for (const auto& bar : bars) {
    if (last && !(*last < bar.time))
      throw std::logic_error("FeatureStage::process_batch: bars must come in increasing time");
    last = bar.time;
    const auto vector = next.update(bar, cursor_->at(bar.time));
    // Each bar's builder state is not kept: the watermark records the state after the last.
    commits.push_back({bar_event_id(bar.time), vector.to_row(), {}});
  }
  if (commits.empty()) return std::vector<features::FeatureRow>{};
  commits.back().builder_state = next.serialize();
  if (!store_.commit_features_batch(commits, epoch)) return std::nullopt;
  builder_ = next;
  last_bar_ = last;
  std::vector<features::FeatureRow> rows;
  rows.reserve(commits.size());
  for (auto& c : commits) rows.push_back(std::move(c.row));
  return rows;
}

}  // namespace usdcop::live
