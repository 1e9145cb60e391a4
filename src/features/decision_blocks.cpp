#include "features/decision_blocks.hpp"

#include <algorithm>

#include "features/contract.hpp"

namespace usdcop::features {

std::vector<std::string_view> macro_inputs_of(std::string_view f) {
  if (f == "dxy_z" || f == "dxy_change_1d") return {"dxy"};
  if (f == "vix_z") return {"vix"};
  if (f == "embi_z") return {"embi_col"};
  if (f == "brent_change_1d") return {"brent"};
  if (f == "rate_spread") return {"ust10y", "ust2y"};
  if (f == "usdmxn_change_1d") return {"usdmxn"};
  return {};
}

FlagAttribution::FlagAttribution(const std::vector<market::MacroFlag>& flags,
                                 const market::MacroCatalog& catalog) {
  for (const auto& f : flags) {
    if (f.accepted_at) continue;
    const auto* var = catalog.find(f.variable);
    if (var == nullptr) continue;
    by_variable_[f.variable].push_back({market::available_at(f.observation_date, var->delay_days),
                                        std::chrono::days(var->stale_days), f.rule});
  }
  for (auto& [name, list] : by_variable_)
    std::sort(list.begin(), list.end(),
              [](const Flagged& a, const Flagged& b) { return a.available_at < b.available_at; });
}

std::string FlagAttribution::flag_for(std::string_view feature, Timestamp t) const {
  const Flagged* newest = nullptr;
  for (const auto name : macro_inputs_of(feature)) {
    const auto it = by_variable_.find(name);
    if (it == by_variable_.end()) continue;
    const auto& list = it->second;
    // The newest flag available at t.
    auto pos = std::upper_bound(list.begin(), list.end(), t,
                                [](Timestamp v, const Flagged& f) { return v < f.available_at; });
    if (pos == list.begin()) continue;
    const Flagged& f = *std::prev(pos);
    if (t - f.available_at > f.stale_after) continue;
    if (newest == nullptr || f.available_at > newest->available_at) newest = &f;
  }
  return newest ? "flag:" + newest->rule : std::string();
}

void DecisionBlocks::add(Timestamp t, const FeatureRow* row, const FlagAttribution& flags) {
  ++bars;
  if (row == nullptr) {
    ++by_feature["(no row)"]["no_feature_row"];
    return;
  }
  for (const auto& name : row->missing) {
    std::string cause;
    if (name == "warmup") {
      cause = "warmup";
    } else if (!macro_inputs_of(name).empty()) {
      cause = flags.flag_for(name, t);
      if (cause.empty()) cause = "stale_or_missing";
    } else {
      cause = "history";
    }
    ++by_feature[name][cause];
  }
}

nlohmann::json DecisionBlocks::to_json() const {
  nlohmann::json features = nlohmann::json::object();
  for (const auto& [name, causes] : by_feature) {
    long n = 0;
    for (const auto& [cause, count] : causes) n += count;
    features[name] = {{"bars", n}, {"causes", causes}};
  }
  return {{"bars", bars}, {"by_feature", features}};
}

std::vector<std::string> DecisionBlocks::lines() const {
  std::vector<std::pair<long, std::string>> rows;
  for (const auto& [name, causes] : by_feature) {
    long n = 0;
    std::string detail;
    for (const auto& [cause, count] : causes) {
      n += count;
      if (!detail.empty()) detail += ", ";
      detail += cause + " " + std::to_string(count);
    }
    rows.emplace_back(n, name + ": " + std::to_string(n) + " bars (" + detail + ")");
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  for (auto& r : rows) out.push_back(std::move(r.second));
  return out;
}

}  // namespace usdcop::features
