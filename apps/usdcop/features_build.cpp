#include "features_build.hpp"

#include <chrono>

#include "core/error.hpp"
#include "features/feature_builder.hpp"
#include "market/macro_catalog.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_feature_store.hpp"
#include "store/pg_macro_store.hpp"

namespace usdcop::cli {
namespace {

using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

}  // namespace

nlohmann::json FeatureBuildReport::to_json() const {
  nlohmann::json j = {{"mode", mode},
                      {"reason", reason},
                      {"bars_folded", bars_folded},
                      {"rows_written", rows_written},
                      {"inserted", inserted},
                      {"updated", updated},
                      {"unchanged", unchanged},
                      {"complete_rows", complete_rows},
                      {"load_s", load_s},
                      {"compute_s", compute_s},
                      {"write_s", write_s},
                      {"total_s", total_s},
                      {"builder_version", std::string(features::kBuilderVersion)}};
  j["first_bar"] = first_bar ? nlohmann::json(format_rfc3339(*first_bar)) : nlohmann::json(nullptr);
  j["last_bar"] = last_bar ? nlohmann::json(format_rfc3339(*last_bar)) : nlohmann::json(nullptr);
  return j;
}

FeatureBuildReport run_features_build(store::ConnectionPool& pool, const FeatureBuildOptions& o) {
  const auto t_start = clock_type::now();
  store::FeatureWriterLock lock(pool);
  store::PgFeatureStore feature_store(pool);
  store::PgMacroStore macro_store(pool);
  FeatureBuildReport report;
  const Timestamp to = o.to.value_or(Timestamp::max());

  // Decide: resume from the checkpoint, or fold again from the first stored bar.
  auto t0 = clock_type::now();
  const std::string macro_fp = feature_store.macro_fingerprint();
  // Check, load and checkpoint against one snapshot of the bars: the checkpoint then describes
  // exactly the bars folded, and bars committed during the build are noticed by the next one.
  store::BarSnapshot snapshot(pool);
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
    report.reason = "--to is before the checkpoint";
    resume.reset();
  }

  features::FeatureBuilder builder;
  Timestamp load_from = Timestamp::min();
  Timestamp write_from = Timestamp::min();
  Timestamp first_bar{};
  if (resume) {
    builder = features::FeatureBuilder::restore(resume->state);
    first_bar = resume->first_bar;
    load_from = resume->last_bar + std::chrono::microseconds{1};
    write_from = load_from;
    if (o.from && *o.from < load_from) {
      // Rows before the checkpoint must be recomputed: fold again from bar 0 (same doubles).
      builder = features::FeatureBuilder{};
      load_from = Timestamp::min();
      write_from = *o.from;
      report.reason = "--from is before the checkpoint";
      report.mode = "rebuild";
    } else {
      report.mode = "resume";
    }
  } else {
    report.mode = "rebuild";
  }
  const std::vector<market::Bar> bars = snapshot.load_bars(load_from, to);
  if (o.after_load) o.after_load();
  const auto catalog = market::MacroCatalog::load();
  const features::MacroInputs macro = features::MacroInputs::load(macro_store, catalog);
  report.load_s = seconds_since(t0);
  if (!resume || load_from == Timestamp::min()) {
    if (!bars.empty()) first_bar = bars.front().time;
  }
  if (bars.empty()) {
    if (report.mode == "resume") report.mode = "up_to_date";
    report.total_s = seconds_since(t_start);
    return report;
  }

  features::MacroCursor cursor(macro);
  std::vector<features::FeatureRow> chunk;
  chunk.reserve(o.chunk_rows);
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
    c.first_bar = first_bar;
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
    if (bar.time < write_from) continue;
    report.complete_rows += v.complete;
    chunk.push_back(v.to_row());
    if (chunk.size() >= o.chunk_rows) flush();
  }
  flush();
  report.compute_s = seconds_since(tc) - report.write_s;
  report.first_bar = first_bar;
  report.last_bar = builder.last_time();
  report.total_s = seconds_since(t_start);
  return report;
}

}  // namespace usdcop::cli
