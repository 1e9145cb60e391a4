#pragma once
// The signature of a backtest (spec 04): sha256 of the canonical JSON of its trades — keys
// sorted at every level, no whitespace, numbers in nlohmann's shortest round-trip form. The
// canonical text survives a round trip through PostgreSQL jsonb (re-parsed and re-dumped), so
// `usdcop backtest verify` can recompute it from the stored row.
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "backtest/metrics.hpp"
#include "trading/trade.hpp"

namespace usdcop::backtest {

nlohmann::json trades_to_json(std::span<const trading::Trade> trades);
nlohmann::json equity_to_json(
    std::span<const EquityPoint> equity);  // [[time, equity, position], ...]
std::string canonical_json(const nlohmann::json& j);
std::string trades_signature(const nlohmann::json& trades);  // 64 hex

}  // namespace usdcop::backtest
