#include "app/feature_build.hpp"

#include <chrono>

#include "app/services.hpp"
#include "core/error.hpp"
#include "features/feature_builder.hpp"
#include "market/macro_catalog.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_feature_store.hpp"
#include "store/pg_macro_store.hpp"

namespace usdcop::app {
namespace {

using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// Where the fold starts: the builder (fresh or restored), the first bar to load and the first
// row to write.
struct FoldStart {
  features::FeatureBuilder builder;
  Timestamp load_from = Timestamp::min();
  Timestamp write_from = Timestamp::min();
  Timestamp first_bar{};
  bool resumed = false;
};

// Decide: resume from the checkpoint, or fold again from the first stored bar. Sets the
// report's mode and reason.
FoldStart decide_start(store::PgFeatureStore& feature_store, store::BarSnapshot& snapshot,
                       const std::string& macro_fp, const FeatureBuildRequest& o, Timestamp to,
                       FeatureBuildReport& report) {
  std::optional<features::BuilderCheckpoint> resume = feature_store.load_checkpoint();
  if (!resume) {
    report.reason = "no checkpoint";
  } else if (snapshot.bars_fingerprint(resume->last_bar) != resume->bars_fingerprint) {
    report.reason =
        "stored bars up to the checkpoint changed (earlier bars imported or bars replaced)";
    resume.reset();
  } else if (macro_fp != resume->macro_fingerprint) {
    report.reason = "macro observations or flags changed since the checkpoint";
    resume.reset();
  } else if (resume->last_bar >= to) {
    report.reason = "the requested end is before the checkpoint";
    resume.reset();
  }
  FoldStart start;
  report.mode = "rebuild";
  if (!resume) return start;
  start.builder = features::FeatureBuilder::restore(resume->state);
  start.first_bar = resume->first_bar;
  start.load_from = resume->last_bar + std::chrono::microseconds{1};
  start.write_from = start.load_from;
  start.resumed = true;
  if (o.from && *o.from < start.load_from) {
    // Rows before the checkpoint must be recomputed: fold again from bar 0 (same doubles).
    start.builder = features::FeatureBuilder{};
    start.load_from = Timestamp::min();
    start.write_from = *o.from;
    report.reason = "the requested start is before the checkpoint";
  } else {
    report.mode = "resume";
  }
  return start;
}

// Folds `bars` from `start`, writing rows in chunks and moving the checkpoint after each.
void fold_and_write(const std::vector<market::Bar>& bars, const features::MacroInputs& macro,
                    FoldStart& start, store::PgFeatureStore& feature_store,
                    store::BarSnapshot& snapshot, const std::string& macro_fp,
                    std::size_t chunk_rows, FeatureBuildReport& report) {
  auto& builder = start.builder;
  features::MacroCursor cursor(macro);
  std::vector<features::FeatureRow> chunk;
  chunk.reserve(chunk_rows);
  auto flush = [&] {
    const auto tw = clock_type::now();
    if (!chunk.empty()) {
      const auto w = feature_store.write(chunk);
      report.inserted += w.inserted;
      report.updated += w.updated;
      report.unchanged += w.unchanged;
      report.rows_written += static_cast<long>(chunk.size());
      chunk.clear();
    }
    // Every row up to the last folded bar is now stored: the checkpoint may move there.
    features::BuilderCheckpoint c;
    c.first_bar = start.first_bar;
    c.last_bar = *builder.last_time();
    c.bar_count = builder.bar_count();
    c.state = builder.serialize();
    c.bars_fingerprint = snapshot.bars_fingerprint(c.last_bar);
    c.macro_fingerprint = macro_fp;
    feature_store.save_checkpoint(c);
    report.write_s += seconds_since(tw);
  };
  const auto tc = clock_type::now();
  for (const auto& bar : bars) {
    const auto v = builder.update(bar, cursor.at(bar.time));
    ++report.bars_folded;
    if (bar.time < start.write_from) continue;
    report.complete_rows += v.complete;
    chunk.push_back(v.to_row());
    if (chunk.size() >= chunk_rows) flush();
  }
  flush();
  report.compute_s = seconds_since(tc) - report.write_s;
}

}  // namespace

FeatureBuildReport build_features(Services& services, const FeatureBuildRequest& request) {
  return build_features(services.pool(), request);
}

FeatureBuildReport build_features(store::ConnectionPool& pool, const FeatureBuildRequest& o) {
  if (o.from && o.to && *o.to <= *o.from)
    throw Error(ErrorKind::invalid_input, "the end is not after the start", "to");
  const auto t_start = clock_type::now();
  store::FeatureWriterLock lock(pool);
  store::PgFeatureStore feature_store(pool);
  store::PgMacroStore macro_store(pool);
  FeatureBuildReport report;
  const Timestamp to = o.to.value_or(Timestamp::max());

  auto t0 = clock_type::now();
  const std::string macro_fp = feature_store.macro_fingerprint();
  // Check, load and checkpoint against one snapshot of the bars: the checkpoint then describes
  // exactly the bars folded, and bars committed during the build are noticed by the next one.
  store::BarSnapshot snapshot(pool);
  FoldStart start = decide_start(feature_store, snapshot, macro_fp, o, to, report);
  const std::vector<market::Bar> bars = snapshot.load_bars(start.load_from, to);
  if (o.after_load) o.after_load();
  const auto catalog = market::MacroCatalog::load();
  const features::MacroInputs macro = features::MacroInputs::load(macro_store, catalog);
  report.load_s = seconds_since(t0);
  if (!start.resumed || start.load_from == Timestamp::min()) {
    if (!bars.empty()) start.first_bar = bars.front().time;
  }
  if (bars.empty()) {
    if (report.mode == "resume") report.mode = "up_to_date";
    report.total_s = seconds_since(t_start);
    return report;
  }
  fold_and_write(bars, macro, start, feature_store, snapshot, macro_fp, o.chunk_rows, report);
  report.first_bar = start.first_bar;
  report.last_bar = start.builder.last_time();
  report.total_s = seconds_since(t_start);
  return report;
}

}  // namespace usdcop::app
