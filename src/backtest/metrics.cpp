#include "backtest/metrics.hpp"

#include <algorithm>
#include <cmath>

namespace usdcop::backtest {

namespace {

// Drawdown over every point; returns between consecutive session-bar points and the exposure
// over the same points.
std::vector<double> session_returns(std::span<const EquityPoint> equity, Metrics& m) {
  std::vector<double> r;
  r.reserve(equity.size());
  const EquityPoint* prev = nullptr;
  long session_points = 0, exposed = 0;
  double peak = equity.front().equity;
  for (const auto& p : equity) {
    peak = std::max(peak, p.equity);
    if (peak > 0) m.max_drawdown_pct = std::min(m.max_drawdown_pct, p.equity / peak - 1.0);
    if (!p.session_bar) continue;
    ++session_points;
    if (p.position != 0) ++exposed;
    if (prev != nullptr && prev->equity != 0) r.push_back(p.equity / prev->equity - 1.0);
    prev = &p;
  }
  m.session_returns = static_cast<long>(r.size());
  m.exposure =
      session_points > 0 ? static_cast<double>(exposed) / static_cast<double>(session_points) : 0.0;
  return r;
}

// Sharpe, Sortino and the annualized return from the session-bar returns.
void add_return_ratios(const std::vector<double>& r, Metrics& m) {
  if (r.empty()) return;
  double sum = 0;
  for (double x : r) sum += x;
  const double mean = sum / static_cast<double>(r.size());
  double ss = 0, down = 0;
  for (double x : r) {
    ss += (x - mean) * (x - mean);
    const double neg = std::min(x, 0.0);
    down += neg * neg;
  }
  const double annual = std::sqrt(kBarsPerYear);
  if (r.size() >= 2) {
    const double sd = std::sqrt(ss / static_cast<double>(r.size() - 1));
    m.sharpe_ratio = sd > 0 ? mean / sd * annual : 0.0;
  }
  const double downside = std::sqrt(down / static_cast<double>(r.size()));
  m.sortino_ratio = downside > 0 ? mean / downside * annual : 0.0;
  m.annualized_return =
      std::pow(1.0 + m.total_return_pct, kBarsPerYear / static_cast<double>(r.size())) - 1.0;
  // A very short curve can overflow the annualization: not computable, reported as 0.
  if (!std::isfinite(m.annualized_return)) m.annualized_return = 0.0;
}

// Daily returns from the last session point of each COT day.
void add_daily_returns(std::span<const EquityPoint> equity, Metrics& m) {
  double prev_end = equity.front().equity;
  for (std::size_t i = 0; i < equity.size(); ++i) {
    const auto& p = equity[i];
    if (!p.session_bar) continue;
    const Date day = cot_date(p.time);
    bool last_of_day = true;
    for (std::size_t j = i + 1; j < equity.size(); ++j) {
      if (!equity[j].session_bar) continue;
      last_of_day = cot_date(equity[j].time) != day;
      break;
    }
    if (!last_of_day) continue;
    m.daily_returns.push_back({day, p.equity, prev_end != 0 ? p.equity / prev_end - 1.0 : 0.0});
    prev_end = p.equity;
  }
}

void add_trade_metrics(std::span<const trading::Trade> trades, Metrics& m) {
  m.total_trades = static_cast<int>(trades.size());
  if (trades.empty()) return;
  double wins = 0, losses = 0, pnl = 0, bars = 0;
  int winners = 0;
  bool any_loss = false;
  for (const auto& t : trades) {
    pnl += t.net_pnl;
    bars += t.bars_held;
    if (t.net_pnl > 0) {
      ++winners;
      wins += t.net_pnl;
    } else if (t.net_pnl < 0) {
      any_loss = true;
      losses += t.net_pnl;
    }
  }
  const double n = static_cast<double>(trades.size());
  m.win_rate = winners / n;
  m.avg_trade_pnl = pnl / n;
  m.avg_bars_held = bars / n;
  if (any_loss) m.profit_factor = wins / std::fabs(losses);
}

}  // namespace

Metrics compute_metrics(std::span<const EquityPoint> equity,
                        std::span<const trading::Trade> trades) {
  Metrics m;
  m.bars = static_cast<long>(equity.size());
  if (!equity.empty()) {
    const double e0 = equity.front().equity;
    const double e1 = equity.back().equity;
    m.total_pnl = e1 - e0;
    m.total_return_pct = e0 != 0 ? e1 / e0 - 1.0 : 0.0;
    add_return_ratios(session_returns(equity, m), m);
    m.calmar = m.max_drawdown_pct < 0 ? m.annualized_return / std::fabs(m.max_drawdown_pct) : 0.0;
    add_daily_returns(equity, m);
  }
  add_trade_metrics(trades, m);
  return m;
}

double mean_daily_return(const Metrics& m) {
  if (m.daily_returns.empty()) return 0.0;
  double s = 0;
  for (const auto& d : m.daily_returns) s += d.ret;
  return s / static_cast<double>(m.daily_returns.size());
}

nlohmann::json to_json(const Metrics& m, bool with_daily_returns) {
  nlohmann::json j = {
      {"total_return_pct", m.total_return_pct},
      {"total_pnl", m.total_pnl},
      {"sharpe_ratio", m.sharpe_ratio},
      {"sortino_ratio", m.sortino_ratio},
      {"max_drawdown_pct", m.max_drawdown_pct},
      {"annualized_return", m.annualized_return},
      {"calmar", m.calmar},
      {"total_trades", m.total_trades},
      {"win_rate", m.win_rate},
      {"profit_factor",
       m.profit_factor ? nlohmann::json(*m.profit_factor) : nlohmann::json(nullptr)},
      {"avg_trade_pnl", m.avg_trade_pnl},
      {"avg_bars_held", m.avg_bars_held},
      {"exposure", m.exposure},
      {"bars", m.bars},
      {"session_returns", m.session_returns},
      {"mean_daily_return", mean_daily_return(m)},
  };
  if (with_daily_returns) {
    auto arr = nlohmann::json::array();
    for (const auto& d : m.daily_returns)
      arr.push_back({{"date", format_date(d.day)}, {"equity", d.end_equity}, {"return", d.ret}});
    j["daily_returns"] = std::move(arr);
  }
  return j;
}

}  // namespace usdcop::backtest
