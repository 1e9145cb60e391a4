#include "store/pg_position_close.hpp"

#include <cmath>
#include <pqxx/pqxx>

#include "store/pg_copy.hpp"

namespace usdcop::store {
namespace {

std::string num(double v) {
  std::string s;
  append_double(s, v);
  return s;
}

}  // namespace

nlohmann::json close_open_positions(pqxx::transaction_base& tx, const std::string& source) {
  auto closed = nlohmann::json::array();
  const auto rows = tx.exec(
      "SELECT account, symbol, quantity, avg_price, cash, realized_pnl, costs, cost_bps, "
      "last_price, " +
      sql_micros_of("last_bar") +
      ", coalesce(model_id, '') "
      "FROM trading.positions WHERE quantity <> 0 AND last_price IS NOT NULL FOR UPDATE");
  for (const auto& r : rows) {
    const std::string account = r[0].c_str(), symbol = r[1].c_str();
    const double before = parse_double(r[2].c_str());
    const double avg = parse_double(r[3].c_str());
    const double price = parse_double(r[8].c_str());
    // The paper broker's arithmetic, operation for operation (trading/broker.cpp), so the
    // engine's state rebuilt from fills reproduces these doubles.
    const double q = 0.0 - before;
    const double cost = std::fabs(q) * price * (parse_double(r[7].c_str()) * 1e-4);
    const double closed_qty = std::min(std::fabs(q), std::fabs(before));
    const double realized =
        parse_double(r[5].c_str()) + closed_qty * (price - avg) * (before > 0 ? 1.0 : -1.0);
    const double cash = parse_double(r[4].c_str()) - (q * price + cost);
    const double costs = parse_double(r[6].c_str()) + cost;
    const std::string bar = sql_time_from_micros(std::string(r[9].c_str()) + "::bigint");
    const auto order = tx.exec_params(
        "INSERT INTO trading.orders (account, model_id, bar_time, source, side, quantity, "
        "target_units, reason) VALUES ($1, NULLIF($2, ''), " +
            bar + ", $3, $4, " + num(q) + ", 0, $3) RETURNING id",
        account, std::string(r[10].c_str()), source, q > 0 ? "buy" : "sell");
    tx.exec_params(
        "INSERT INTO trading.fills (order_id, account, time, quantity, price, cost, "
        "position_after, reason) VALUES ($1, $2, " +
            bar + ", " + num(q) + ", " + num(price) + ", " + num(cost) + ", 0, $3)",
        order[0][0].as<long>(), account, source);
    tx.exec_params(
        "UPDATE trading.positions SET quantity = 0, units = 0, avg_price = 0, "
        "opened_at = NULL, cash = " +
            num(cash) + ", realized_pnl = " + num(realized) + ", costs = " + num(costs) +
            ", updated_at = now() WHERE account = $1 AND "
            "symbol = $2",
        account, symbol);
    closed.push_back({{"account", account}, {"quantity", q}, {"price", price}, {"cost", cost}});
  }
  return closed;
}

}  // namespace usdcop::store
