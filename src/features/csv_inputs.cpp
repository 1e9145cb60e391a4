#include "features/csv_inputs.hpp"

#include <algorithm>
#include <map>

#include "market/bar_import.hpp"
#include "market/bar_store.hpp"
#include "market/csv_source.hpp"
#include "market/macro_import.hpp"
#include "market/macro_store.hpp"

namespace usdcop::features {
namespace {

// Store ports kept in memory: what the importers would have written to the database.
class MemoryBarStore final : public market::BarStore {
 public:
  market::BarWriteResult write_bars(const std::vector<market::Bar>& bars, const std::string&,
                                    bool) override {
    market::BarWriteResult r;
    for (const auto& b : bars) {
      bars_[b.time] = b;
      ++r.inserted;
    }
    return r;
  }
  market::BarImportWrite write_import(market::BarImportBatch& batch,
                                      const CompleteImport& complete) override {
    market::BarImportWrite w;
    w.bars = write_bars(batch.bars, batch.source, batch.replace);
    if (complete) complete(w.bars, batch);
    return w;
  }
  std::vector<market::Bar> load_bars(Timestamp from, Timestamp to) override {
    std::vector<market::Bar> out;
    for (auto it = bars_.lower_bound(from); it != bars_.end() && it->first < to; ++it)
      out.push_back(it->second);
    return out;
  }
  std::optional<market::Bar> bar_before(Timestamp t) override {
    auto it = bars_.lower_bound(t);
    if (it == bars_.begin()) return std::nullopt;
    return std::prev(it)->second;
  }

 private:
  std::map<Timestamp, market::Bar> bars_;
};

class MemoryMacroStore final : public market::MacroStore {
 public:
  market::MacroWriteResult write_observations(
      const std::vector<market::MacroObservation>& obs,
      const std::vector<market::MacroFlag>& flags) override {
    market::MacroWriteResult r;
    for (auto o : obs) {
      o.flagged = std::any_of(flags.begin(), flags.end(), [&](const market::MacroFlag& f) {
        return f.variable == o.variable && f.observation_date == o.observation_date;
      });
      obs_[o.variable][o.observation_date] = o;
      ++r.inserted;
    }
    return r;
  }
  std::vector<market::MacroObservation> load_variable(const std::string& variable) override {
    std::vector<market::MacroObservation> out;
    if (const auto it = obs_.find(variable); it != obs_.end()) {
      for (const auto& [d, o] : it->second) out.push_back(o);
    }
    return out;
  }
  std::vector<market::MacroFlag> load_flags(bool) override { return {}; }
  bool accept_flag(const std::string&, Date, const std::string&, const std::string&) override {
    return false;
  }

 private:
  std::map<std::string, std::map<Date, market::MacroObservation>> obs_;
};

}  // namespace

std::vector<market::Bar> read_bars_csv(const std::filesystem::path& path) {
  MemoryBarStore store;
  market::BarImporter importer(store,
                               market::BarImportOptions{"csv:" + path.string(), false, 0.05});
  market::read_bar_csv(path, importer);
  importer.finish();
  return store.load_bars(Timestamp::min(), Timestamp::max());
}

MacroInputs read_macro_inputs_csv(const std::filesystem::path& path,
                                  const market::MacroCatalog& catalog) {
  MemoryMacroStore store;
  market::MacroImporter importer(store, catalog, "csv:" + path.string());
  market::read_macro_csv(path, catalog, importer);
  importer.finish();
  return MacroInputs::load(store, catalog);
}

}  // namespace usdcop::features
