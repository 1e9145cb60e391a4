#pragma once
// The signature of a backtest (spec 04, spec 12), versioned:
//   v1 (rows stored before migration 0010): sha256 of the trades only, serialized by
//      nlohmann::json::dump (keys sorted, no whitespace). Kept only so those rows still verify.
//   v2 (every new row): sha256 of canonical_json (core/canonical_json.hpp, Python's json.dumps
//      rules) of the signed document
//        {"inputs": {"model_hash", "builder_version", "feature_order_hash", "bar_range",
//                    "config"},
//         "trades", "metrics", "equity_curve", "daily_returns"}
//      so editing any input, trade, metric, equity point or daily return breaks it.
// Every number in these documents survives a round trip through PostgreSQL jsonb (no -0, no
// non-finite value, no integer-valued double beyond 1e16), so `usdcop backtest verify` and any
// tool reading `usdcop backtest show UUID --json` recompute the same bytes.
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "backtest/metrics.hpp"
#include "trading/trade.hpp"

namespace usdcop::backtest {

inline constexpr int kSignatureVersion = 2;  // what new rows are signed with

nlohmann::json trades_to_json(std::span<const trading::Trade> trades);
nlohmann::json equity_to_json(
    std::span<const EquityPoint> equity);  // [[time, equity, position], ...]

// What a v2 signature covers besides the result.
struct SignatureInputs {
  std::string model_hash;
  std::string builder_version;
  std::string feature_order_hash;
  nlohmann::json bar_range;  // {"from", "to", "first_bar", "last_bar", "bars"}
  nlohmann::json config;
};

struct SignedResult {
  nlohmann::json trades, metrics, equity_curve, daily_returns;
};

nlohmann::json signed_document(const SignatureInputs& inputs, const SignedResult& result);
std::string signature_v2(const SignatureInputs& inputs, const SignedResult& result);  // 64 hex
std::string signature_v1(const nlohmann::json& trades);                               // 64 hex

}  // namespace usdcop::backtest
