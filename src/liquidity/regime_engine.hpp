#pragma once
// The daily-grid regime computation (spec 10, spec 12): one RegimeDay per UTC date at 00:00Z,
// each feed read as of the grid time (its latest observation with ts <= t), stale when
// t - ts > ttl_ms.
#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "liquidity/regime_config.hpp"
#include "liquidity/regime_formula.hpp"

namespace usdcop::liquidity {

struct Observation {
  Timestamp ts{};
  double value = 0;
};
// Per feature id, in ascending ts.
using FeedSeries = std::map<std::string, std::vector<Observation>>;

struct FeedReading {
  std::string feature_id;
  Component component = Component::gl;
  std::optional<double> raw;
  std::optional<Timestamp> ts;
  std::optional<double> z;
  bool stale = false;  // it has a value older than ttl_ms (no value at all is not "stale")
};

struct RegimeDay {
  Date date{};
  bool scored = false;  // false: no usable component; the previous state is kept
  std::array<std::optional<double>, 3> components;  // gl, cn, mp
  std::optional<double> raw;
  double smoothed = 0;
  double score_0_100 = 50;
  Regime candidate = Regime::YELLOW;
  Date candidate_since{};
  Regime state = Regime::YELLOW;  // the published regime
  double coherence = 0;
  double confidence = 0;
  bool flip_alert = false;
  std::vector<std::string> stale_feeds;
  std::vector<FeedReading> feeds;

  nlohmann::json to_json() const;
  nlohmann::json feeds_json() const;
  static std::vector<FeedReading> feeds_from_json(const nlohmann::json& j);
};

// Every grid date from the first date on which a component can be scored through `last`
// (inclusive). Feeds missing from `series` count as having no data.
std::vector<RegimeDay> compute_regime(const RegimeConfig& config, const FeedSeries& series,
                                      Date last);

}  // namespace usdcop::liquidity
