// Feature builder throughput on the real data in memory: the incremental update (the batch
// fold is this loop) and one live bar with a freshly computed macro snapshot.
#include <benchmark/benchmark.h>

#include "features/csv_inputs.hpp"
#include "features/feature_builder.hpp"
#include "market/macro_catalog.hpp"

using namespace usdcop;
using namespace usdcop::features;

namespace {

struct Data {
  std::vector<market::Bar> bars;
  MacroInputs macro;
};

const Data& data() {
  static const Data d = [] {
    const auto catalog = market::MacroCatalog::load_file(std::string(USDCOP_SOURCE_ROOT) +
                                                         "/config/macro_catalog.yaml");
    Data x;
    x.bars = read_bars_csv(std::string(USDCOP_SHARED_DATA_DIR) + "/usdcop_m5_dev.csv.gz");
    x.macro = read_macro_inputs_csv(std::string(USDCOP_SHARED_DATA_DIR) + "/macro_daily_dev.csv.gz",
                                    catalog);
    return x;
  }();
  return d;
}

void BM_IncrementalFold(benchmark::State& state) {
  const auto& d = data();
  for (auto _ : state) {
    FeatureBuilder builder;
    MacroCursor cursor(d.macro);
    for (const auto& bar : d.bars)
      benchmark::DoNotOptimize(builder.update(bar, cursor.at(bar.time)));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(d.bars.size()));
}
BENCHMARK(BM_IncrementalFold)->Unit(benchmark::kMillisecond);

void BM_LiveBarFreshSnapshot(benchmark::State& state) {
  const auto& d = data();
  FeatureBuilder warm;
  MacroCursor cursor(d.macro);
  const std::size_t last = d.bars.size() - 1;
  for (std::size_t i = 0; i < last; ++i) warm.update(d.bars[i], cursor.at(d.bars[i].time));
  for (auto _ : state) {
    FeatureBuilder b = warm;  // the state before the newest bar
    benchmark::DoNotOptimize(
        b.update(d.bars[last], compute_macro_snapshot(d.macro, d.bars[last].time)));
  }
}
BENCHMARK(BM_LiveBarFreshSnapshot);

}  // namespace

BENCHMARK_MAIN();
