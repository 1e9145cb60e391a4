#pragma once
// The report directory of a backtest: report.json (metadata, config, metrics, risk-event
// counts, signature), trades.csv, equity.csv and report.html — self-contained: inline SVG
// charts (equity, drawdown) drawn by this code, a monthly returns table and the trade list;
// no script, no network.
#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "backtest/backtest_runner.hpp"

namespace usdcop::backtest {

// Calendar-month returns (COT months) from month-end equity: {"2025-01": 0.012, ...}.
std::map<std::string, double> monthly_returns(std::span<const EquityPoint> equity);

// `header` carries the metadata shown on top (model, period, signature...); written as
// report.json's "run" object.
void write_report(const std::filesystem::path& dir, const BacktestResult& result,
                  const nlohmann::json& header);

}  // namespace usdcop::backtest
