#pragma once
// The one metrics function of spec 04, used by the backtest, evaluation, training validation,
// live PnL reporting and promotion gates. Definitions (exact):
//   r_t               = E_t/E_{t-1} - 1 between consecutive session-bar points of the curve
//   total_return_pct  = E_end/E_start - 1 (fraction; first and last point of the curve)
//   total_pnl         = E_end - E_start
//   sharpe_ratio      = mean(r)/std(r, n-1) * sqrt(15,120); 0 when std = 0 or fewer than 2 r
//   sortino_ratio     = mean(r)/sqrt(mean(min(r,0)^2)) * sqrt(15,120); 0 when no r < 0
//   max_drawdown_pct  = min_t (E_t / max_{s<=t} E_s - 1) over every point; <= 0
//   annualized_return = (1 + total_return_pct)^(15,120 / n_r) - 1 (0 when n_r = 0 or when it
//                       overflows on a very short curve)
//   calmar            = annualized_return / |max_drawdown_pct|; 0 when there is no drawdown
//   total_trades      = closed trades; win_rate = trades with net_pnl > 0 / total_trades
//   profit_factor     = sum(net_pnl > 0) / |sum(net_pnl < 0)|; nullopt when no losing trade
//   avg_trade_pnl     = mean net_pnl; avg_bars_held = mean bars_held (0 without trades)
//   exposure          = share of session-bar points whose position (held after the bar's
//                       decision) is non-zero
//   daily_returns     = per COT trading day, end-of-session equity (last session point of
//                       the day) over the previous day's (the first day: over E_start) - 1
#include <optional>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "trading/trade.hpp"

namespace usdcop::backtest {

inline constexpr double kBarsPerYear = 15120.0;  // 60 bars x 252 sessions

struct EquityPoint {
  Timestamp time{};  // bar open time (UTC); equity is marked at this bar's close
  double equity = 0;
  bool session_bar = true;  // only session bars produce returns
  double position = 0;      // signed position (units of target, -1..1) after the decision
};

struct DailyReturn {
  Date day{};  // COT date
  double end_equity = 0;
  double ret = 0;
};

struct Metrics {
  double total_return_pct = 0;
  double total_pnl = 0;
  double sharpe_ratio = 0;
  double sortino_ratio = 0;
  double max_drawdown_pct = 0;
  double annualized_return = 0;
  double calmar = 0;
  int total_trades = 0;
  double win_rate = 0;
  std::optional<double> profit_factor;
  double avg_trade_pnl = 0;
  double avg_bars_held = 0;
  double exposure = 0;
  long bars = 0;             // points in the curve
  long session_returns = 0;  // n of r
  std::vector<DailyReturn> daily_returns;
};

// `equity` in time order; `trades`: the closed trades (open ones must not be passed).
Metrics compute_metrics(std::span<const EquityPoint> equity,
                        std::span<const trading::Trade> trades);

// Mean of daily returns (0 when none).
double mean_daily_return(const Metrics& m);

// {"total_return_pct":…, …, "profit_factor": null | x, "daily_returns":
// [{"date","equity","return"}]}
nlohmann::json to_json(const Metrics& m, bool with_daily_returns = true);

}  // namespace usdcop::backtest
