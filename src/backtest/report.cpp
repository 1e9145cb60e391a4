#include "backtest/report.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "backtest/signature.hpp"
#include "core/error.hpp"
#include "core/file_error.hpp"

namespace usdcop::backtest {
namespace {

std::string fmt(double x, int decimals = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

// A metric as a reader wants it: fractions as percentages, ratios with 3 decimals, counts as
// integers, null as "n/a" (e.g. profit factor without losing trades). The exact value is in
// report.json and in the cell's title.
std::string metric_text(const std::string& key, const nlohmann::json& v) {
  if (v.is_null()) return "n/a";
  if (!v.is_number()) return v.dump();
  const double x = v.get<double>();
  static const char* const kFractions[] = {"total_return_pct",  "max_drawdown_pct",
                                           "win_rate",          "exposure",
                                           "annualized_return", "mean_daily_return"};
  for (const char* f : kFractions)
    if (key == f) return fmt(x * 100, key == "mean_daily_return" ? 4 : 2) + " %";
  if (v.is_number_integer() || (x == static_cast<double>(static_cast<long long>(x)) &&
                                std::abs(x) < 1e15 && key != "sharpe_ratio"))
    return std::to_string(static_cast<long long>(x));
  return fmt(x, 3);
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A polyline chart of y over the point index, at most ~1,500 points (strided).
std::string svg_chart(const std::vector<double>& y, const std::string& color,
                      const std::string& title) {
  const double w = 900, h = 220, pad = 40;
  std::ostringstream s;
  s << "<svg width='" << w << "' height='" << h << "' viewBox='0 0 " << w << ' ' << h
    << "'><rect width='100%' height='100%' fill='#fff' stroke='#ccc'/>";
  s << "<text x='" << pad << "' y='16' font-size='12'>" << escape(title) << "</text>";
  if (y.size() >= 2) {
    const auto [lo_it, hi_it] = std::minmax_element(y.begin(), y.end());
    double lo = *lo_it, hi = *hi_it;
    if (hi == lo) hi = lo + 1;
    const std::size_t step = std::max<std::size_t>(1, y.size() / 1500);
    s << "<polyline fill='none' stroke='" << color << "' stroke-width='1.2' points='";
    for (std::size_t i = 0; i < y.size(); i += step) {
      const double px =
          pad + (w - 2 * pad) * static_cast<double>(i) / static_cast<double>(y.size() - 1);
      const double py = h - pad / 2 - (h - pad) * (y[i] - lo) / (hi - lo);
      s << fmt(px, 1) << ',' << fmt(py, 1) << ' ';
    }
    s << "'/>";
    s << "<text x='2' y='" << (pad / 2 + 10) << "' font-size='10'>" << fmt(hi, 4) << "</text>";
    s << "<text x='2' y='" << (h - pad / 2) << "' font-size='10'>" << fmt(lo, 4) << "</text>";
  }
  s << "</svg>";
  return s.str();
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  errno = 0;
  std::ofstream out(p, std::ios::binary);
  out << text;
  out.flush();
  if (!out) throw file_write_error(p.string(), errno, ErrorKind::unavailable);
}

}  // namespace

std::map<std::string, double> monthly_returns(std::span<const EquityPoint> equity) {
  std::map<std::string, double> out;
  if (equity.empty()) return out;
  double start = equity.front().equity;
  std::string month;
  double last = start;
  for (const auto& p : equity) {
    const std::string m = format_date(cot_date(p.time)).substr(0, 7);
    if (!month.empty() && m != month) {
      out[month] = start != 0 ? last / start - 1.0 : 0.0;
      start = last;
    }
    month = m;
    last = p.equity;
  }
  out[month] = start != 0 ? last / start - 1.0 : 0.0;
  return out;
}

namespace {

void write_report_json(const std::filesystem::path& dir, const BacktestResult& r,
                       const nlohmann::json& header, const std::map<std::string, double>& months) {
  std::map<std::string, int> rules;
  for (const auto& e : r.risk_events) ++rules[e.rule + ":" + e.action];
  auto risk_first = nlohmann::json::array();
  for (std::size_t i = 0; i < r.risk_events.size() && i < 200; ++i)
    risk_first.push_back(trading::to_json(r.risk_events[i]));
  nlohmann::json report = {
      {"run", header},
      {"metrics", to_json(r.metrics)},
      {"bars", r.bars},
      {"decisions", r.decisions},
      {"bars_without_decision", r.bars_without_decision},
      {"blocked_decisions", r.blocked.to_json()},
      {"fills", r.fills.size()},
      {"risk_events", {{"count", r.risk_events.size()}, {"by_rule", rules}, {"first", risk_first}}},
      {"monthly_returns", months},
      {"trades", trades_to_json(r.trades)}};
  write_file(dir / "report.json", report.dump(2) + "\n");
}

void write_trades_csv(const std::filesystem::path& dir, const BacktestResult& r) {
  std::ostringstream trades;
  trades << "id,side,entry_time,exit_time,entry_price,exit_price,quantity,bars_held,gross_pnl,"
            "costs,net_pnl,"
            "return_pct,exit_reason\n";
  trades.precision(17);
  for (const auto& t : r.trades)
    trades << t.id << ',' << (t.side > 0 ? "long" : "short") << ',' << format_rfc3339(t.entry_time)
           << ',' << format_rfc3339(t.exit_time) << ',' << t.entry_price << ',' << t.exit_price
           << ',' << t.quantity << ',' << t.bars_held << ',' << t.gross_pnl << ',' << t.costs << ','
           << t.net_pnl << ',' << t.return_pct << ',' << trading::exit_reason_name(t.exit_reason)
           << '\n';
  write_file(dir / "trades.csv", trades.str());
}

struct Curves {
  std::vector<double> equity, drawdown;
};

// equity.csv, and the equity and drawdown series the HTML charts draw.
Curves write_equity_csv(const std::filesystem::path& dir, const BacktestResult& r) {
  std::ostringstream eq;
  eq.precision(17);
  eq << "time,equity,position,drawdown\n";
  Curves c;
  double peak = 0;
  for (const auto& p : r.equity) {
    peak = std::max(peak, p.equity);
    const double dd = peak > 0 ? p.equity / peak - 1.0 : 0.0;
    eq << format_rfc3339(p.time) << ',' << p.equity << ',' << p.position << ',' << dd << '\n';
    c.equity.push_back(p.equity);
    c.drawdown.push_back(dd);
  }
  write_file(dir / "equity.csv", eq.str());
  return c;
}

// The page head, the run header and the metrics table.
void html_summary(std::ostringstream& h, const BacktestResult& r, const nlohmann::json& header) {
  h << "<!DOCTYPE html><html><head><meta charset='utf-8'><title>usdcop backtest</title><style>"
       "body{font-family:sans-serif;margin:20px;color:#222}table{border-collapse:collapse;margin:"
       "8px 0}"
       "td,th{border:1px solid #ccc;padding:3px "
       "8px;text-align:right;font-size:12px}th{background:#f3f3f3}"
       "td.info{text-align:left;font-family:monospace;word-break:break-all;max-width:900px}"
       "pre{font-size:12px;background:#f7f7f7;padding:8px;max-width:1100px;white-space:pre-wrap}"
       ".neg{color:#b00}.pos{color:#070}</style></head><body><h1>Backtest report</h1><table>";
  for (const auto& [k, v] : header.items()) {
    if (k == "config") continue;  // shown whole, below the charts
    h << "<tr><th>" << escape(k) << "</th><td class='info'>"
      << escape(v.is_string() ? v.get<std::string>() : v.dump()) << "</td></tr>";
  }
  h << "</table><h2>Metrics</h2><table>";
  const nlohmann::json metrics_json = to_json(r.metrics, false);
  for (const auto& [k, v] : metrics_json.items())
    h << "<tr><th>" << escape(k) << "</th><td title='" << escape(v.dump()) << "'>"
      << escape(metric_text(k, v)) << "</td></tr>";
  h << "<tr><th>bars_without_decision</th><td>" << r.bars_without_decision << "</td></tr>"
    << "<tr><th>risk_events</th><td>" << r.risk_events.size() << "</td></tr></table>";
  if (r.blocked.bars > 0) {
    h << "<h2>Bars without a decision, by missing feature and cause</h2><ul>";
    for (const auto& line : r.blocked.lines()) h << "<li>" << escape(line) << "</li>";
    h << "</ul>";
  }
}

void html_monthly_table(std::ostringstream& h, const std::map<std::string, double>& months) {
  h << "<h2>Monthly returns</h2><table><tr><th>year</th>";
  for (int mo = 1; mo <= 12; ++mo) h << "<th>" << mo << "</th>";
  h << "</tr>";
  std::map<std::string, std::map<int, double>> by_year;
  for (const auto& [ym, v] : months) by_year[ym.substr(0, 4)][std::stoi(ym.substr(5, 2))] = v;
  for (const auto& [year, row] : by_year) {
    h << "<tr><th>" << year << "</th>";
    for (int mo = 1; mo <= 12; ++mo) {
      auto it = row.find(mo);
      if (it == row.end()) {
        h << "<td></td>";
      } else {
        h << "<td class='" << (it->second < 0 ? "neg" : "pos") << "'>" << fmt(it->second * 100, 2)
          << "%</td>";
      }
    }
    h << "</tr>";
  }
  h << "</table>";
}

void html_trades_table(std::ostringstream& h, const std::vector<trading::Trade>& trades) {
  h << "<h2>Trades (" << trades.size()
    << ")</h2><table><tr><th>id</th><th>side</th><th>entry</th><th>exit</th>"
       "<th>entry price</th><th>exit price</th><th>bars</th><th>net "
       "PnL</th><th>return</th><th>exit reason</th></tr>";
  for (const auto& t : trades)
    h << "<tr><td>" << t.id << "</td><td>" << (t.side > 0 ? "long" : "short") << "</td><td>"
      << format_rfc3339(t.entry_time) << "</td><td>" << format_rfc3339(t.exit_time) << "</td><td>"
      << fmt(t.entry_price, 2) << "</td><td>" << fmt(t.exit_price, 2) << "</td><td>" << t.bars_held
      << "</td><td class='" << (t.net_pnl < 0 ? "neg" : "pos") << "'>" << fmt(t.net_pnl, 2)
      << "</td><td>" << fmt(t.return_pct * 100, 3) << "%</td><td>"
      << trading::exit_reason_name(t.exit_reason) << "</td></tr>";
  h << "</table>";
}

}  // namespace

void write_report(const std::filesystem::path& dir, const BacktestResult& r,
                  const nlohmann::json& header) {
  std::filesystem::create_directories(dir);
  const auto months = monthly_returns(r.equity);
  write_report_json(dir, r, header, months);
  write_trades_csv(dir, r);
  const Curves curves = write_equity_csv(dir, r);

  std::ostringstream h;
  html_summary(h, r, header);
  h << "<h2>Equity</h2>" << svg_chart(curves.equity, "#1f5fbf", "equity (account units)");
  h << "<h2>Drawdown</h2>" << svg_chart(curves.drawdown, "#b00", "drawdown from peak (fraction)");
  html_monthly_table(h, months);
  html_trades_table(h, r.trades);
  if (header.contains("config"))
    h << "<h2>Configuration</h2><pre>" << escape(header["config"].dump(2)) << "</pre>";
  h << "</body></html>\n";
  write_file(dir / "report.html", h.str());
}

}  // namespace usdcop::backtest
