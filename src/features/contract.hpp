#pragma once
// Feature contract CTR-FEAT-001 (spec 02): the 15 observation slots, their order and the
// builder version. Every consumer (training, backtest, live) checks feature_order_hash.
#include <array>
#include <string>
#include <string_view>

namespace usdcop::features {

inline constexpr int kMarketFeatureCount = 13;  // slots 0..12: raw market features
inline constexpr int kObservationSize = 15;
inline constexpr int kPositionIndex = 13;  // injected by whoever holds the position
inline constexpr int kTimeIndex = 14;      // time_normalized
inline constexpr std::string_view kBuilderVersion = "1.0.0";

// Market slot indices, for code that reads one feature by name.
enum MarketFeature : int {
  kLogRet5m = 0,
  kLogRet1h,
  kLogRet4h,
  kRsi9,
  kAtrPct,
  kAdx14,
  kDxyZ,
  kDxyChange1d,
  kVixZ,
  kEmbiZ,
  kBrentChange1d,
  kRateSpread,
  kUsdmxnChange1d,
};

inline constexpr std::array<std::string_view, kObservationSize> kFeatureNames = {
    "log_ret_5m",      "log_ret_1h",  "log_ret_4h",       "rsi_9",    "atr_pct",
    "adx_14",          "dxy_z",       "dxy_change_1d",    "vix_z",    "embi_z",
    "brent_change_1d", "rate_spread", "usdmxn_change_1d", "position", "time_normalized"};

// The 15 names in observation order.
const std::array<std::string_view, kObservationSize>& feature_names();
// sha256 of the names joined by ',' (64 lowercase hex); starts with aa52761d1d8e4d3d.
const std::string& feature_order_hash();
// Index of a name in the observation, or -1.
int feature_index(std::string_view name);

}  // namespace usdcop::features
