#pragma once
// The liquidity regime's parameters and feeds (config/liquidity.feeds.json, spec 10/12).
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace usdcop::liquidity {

enum class Component { gl = 0, cn = 1, mp = 2 };
inline constexpr std::array<Component, 3> kComponents{Component::gl, Component::cn, Component::mp};
const char* to_string(Component c);

struct FeedConfig {
  std::string feature_id;
  Component component = Component::gl;
  double weight = 1;   // signed: -1 for TGA and RRP (they drain liquidity)
  int64_t ttl_ms = 0;  // from the feature catalog (the app fills it in)
};

// Which feeds the candidate rules read (spec 10 step 5).
struct RuleFeeds {
  std::string etf_btc, etf_eth, stables_yoy, rrp, tga;
};

struct RegimeConfig {
  int window = 90;  // z-score window: the feed's own last observations
  double clip = 3;  // |z| <= clip
  std::array<double, 3> component_weights{0.4, 0.4, 0.2};  // gl, cn, mp
  double alpha = 0.2;                                      // EMA
  double green_threshold = 0.8;
  double red_threshold = -0.8;
  int confirmation_hours = 24;
  double stale_confidence_factor = 0.5;  // per component with a stale feed
  int rising_lag_days = 5;               // "rising": x_t > x_{t-5} on the daily grid
  int flow_sum_days = 5;                 // ETF flows summed over the last 5 days
  std::vector<FeedConfig> feeds;
  RuleFeeds rules;

  // The 9 feeds of spec 10 with the defaults above (ttl_ms left 0).
  static RegimeConfig defaults();
  // Throws Error(not_found / invalid_input) naming the file and field.
  static RegimeConfig load_file(const std::filesystem::path& path);
  static std::filesystem::path default_path();  // config_dir()/liquidity.feeds.json
  std::vector<std::string> feature_ids() const;
};

}  // namespace usdcop::liquidity
