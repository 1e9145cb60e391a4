#include "store/pg_trading_reads.hpp"

#include <pqxx/pqxx>

#include "store/pg_copy.hpp"
#include "store/pg_registry_rows.hpp"

namespace usdcop::store {

namespace {

nlohmann::json optional_time(const std::optional<Timestamp>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}
template <class T>
nlohmann::json optional_value(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
std::optional<double> optional_double(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<double>(f.as<double>());
}
std::optional<Timestamp> optional_micros(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<Timestamp>(from_micros(f.as<int64_t>()));
}
const char* signal_name(int s) {
  return s > 0 ? "LONG" : (s < 0 ? "SHORT" : "HOLD");
}

}  // namespace

nlohmann::json to_json(const SignalRecord& s) {
  return {{"time", format_rfc3339(s.time)},
          {"model_id", s.model_id},
          {"role", s.role},
          {"account", s.account},
          {"action", s.action},
          {"signal", signal_name(s.signal)},
          {"latency_ms", s.latency_us ? nlohmann::json(*s.latency_us / 1000.0) : nullptr},
          {"mode", s.mode},
          {"position_before", optional_value(s.position_before)},
          {"position_after", optional_value(s.position_after)},
          {"rule", s.rule.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.rule)},
          {"error", s.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.error)}};
}

nlohmann::json to_json(const PositionRecord& p) {
  return {{"account", p.account},
          {"symbol", p.symbol},
          {"model_id", p.model_id},
          {"quantity", p.quantity},
          {"units", p.units},
          {"avg_price", p.avg_price},
          {"cash", p.cash},
          {"realized_pnl", p.realized_pnl},
          {"costs", p.costs},
          {"last_price", optional_value(p.last_price)},
          {"opened_at", optional_time(p.opened_at)},
          {"last_bar", optional_time(p.last_bar)},
          {"updated_at", format_rfc3339(p.updated_at)}};
}

nlohmann::json to_json(const TradeRecord& t) {
  return {{"fill_id", t.fill_id},
          {"order_id", t.order_id},
          {"account", t.account},
          {"model_id", t.model_id},
          {"time", format_rfc3339(t.time)},
          {"side", t.side},
          {"quantity", t.quantity},
          {"price", t.price},
          {"cost", t.cost},
          {"position_after", t.position_after},
          {"source", t.source},
          {"reason", t.reason}};
}

nlohmann::json to_json(const DailyPnlRecord& d) {
  return {{"date", format_date(d.date)},
          {"account", d.account},
          {"start_equity", d.start_equity},
          {"end_equity", d.end_equity},
          {"pnl", d.pnl},
          {"realized_pnl", d.realized_pnl},
          {"costs", d.costs},
          {"bars", d.bars}};
}

std::vector<SignalRecord> PgTradingReads::signals(const AccountQuery& q, const std::string& role) {
  return guard_connection("reading signals", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::vector<SignalRecord> out;
    for (const auto& r : tx.exec_params(
             "SELECT " + sql_micros_of("time") +
                 ", model_id, role, coalesce(account, ''), action, signal, latency_us, "
                 "coalesce(mode, ''), position_before, position_after, coalesce(rule, ''), "
                 "coalesce(error, '') FROM trading.model_inferences WHERE time >= " +
                 sql_time_from_micros("$1::bigint") + " AND time < " +
                 sql_time_from_micros("$2::bigint") +
                 " AND ($3 = '' OR model_id = $3) AND ($4 = '' OR account = $4) AND ($5 = '' OR "
                 "role = $5) ORDER BY time DESC, model_id LIMIT $6",
             to_pg_micros(q.from), to_pg_micros(q.to), q.model_id, q.account, role, q.limit)) {
      SignalRecord s;
      s.time = from_micros(r[0].as<int64_t>());
      s.model_id = text_of(r[1]);
      s.role = text_of(r[2]);
      s.account = text_of(r[3]);
      s.action = r[4].as<double>();
      s.signal = r[5].as<int>();
      s.latency_us = optional_double(r[6]);
      s.mode = text_of(r[7]);
      s.position_before = optional_double(r[8]);
      s.position_after = optional_double(r[9]);
      s.rule = text_of(r[10]);
      s.error = text_of(r[11]);
      out.push_back(std::move(s));
    }
    return out;
  });
}

std::vector<PositionRecord> PgTradingReads::positions(const std::string& account) {
  return guard_connection("reading positions", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::vector<PositionRecord> out;
    for (const auto& r : tx.exec_params(
             "SELECT account, symbol, coalesce(model_id, ''), quantity, units, avg_price, cash, "
             "realized_pnl, costs, last_price, " +
                 sql_micros_of("opened_at") + ", " + sql_micros_of("last_bar") + ", " +
                 sql_micros_of("updated_at") +
                 " FROM trading.positions WHERE ($1 = '' OR account = $1) ORDER BY account, "
                 "symbol",
             account)) {
      PositionRecord p;
      p.account = text_of(r[0]);
      p.symbol = text_of(r[1]);
      p.model_id = text_of(r[2]);
      p.quantity = r[3].as<double>();
      p.units = r[4].as<double>();
      p.avg_price = r[5].as<double>();
      p.cash = r[6].as<double>();
      p.realized_pnl = r[7].as<double>();
      p.costs = r[8].as<double>();
      p.last_price = optional_double(r[9]);
      p.opened_at = optional_micros(r[10]);
      p.last_bar = optional_micros(r[11]);
      p.updated_at = from_micros(r[12].as<int64_t>());
      out.push_back(std::move(p));
    }
    return out;
  });
}

std::vector<TradeRecord> PgTradingReads::trades(const AccountQuery& q) {
  return guard_connection("reading trades", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::vector<TradeRecord> out;
    for (const auto& r : tx.exec_params(
             "SELECT f.id, o.id, f.account, coalesce(o.model_id, ''), " + sql_micros_of("f.time") +
                 ", o.side, f.quantity, f.price, f.cost, f.position_after, o.source, f.reason "
                 "FROM trading.fills f JOIN trading.orders o ON o.id = f.order_id WHERE f.time "
                 ">= " +
                 sql_time_from_micros("$1::bigint") + " AND f.time < " +
                 sql_time_from_micros("$2::bigint") +
                 " AND ($3 = '' OR o.model_id = $3) AND ($4 = '' OR f.account = $4) "
                 "ORDER BY f.time DESC, f.id DESC LIMIT $5",
             to_pg_micros(q.from), to_pg_micros(q.to), q.model_id, q.account, q.limit)) {
      TradeRecord t;
      t.fill_id = r[0].as<long>();
      t.order_id = r[1].as<long>();
      t.account = text_of(r[2]);
      t.model_id = text_of(r[3]);
      t.time = from_micros(r[4].as<int64_t>());
      t.side = text_of(r[5]);
      t.quantity = r[6].as<double>();
      t.price = r[7].as<double>();
      t.cost = r[8].as<double>();
      t.position_after = r[9].as<double>();
      t.source = text_of(r[10]);
      t.reason = text_of(r[11]);
      out.push_back(std::move(t));
    }
    return out;
  });
}

// Start equity: the previous day's last snapshot, else the day's first (a first day's PnL
// starts after its first bar). Realized PnL and costs are cumulative in the snapshots.
std::vector<DailyPnlRecord> PgTradingReads::daily_pnl(Date from, Date to,
                                                      const std::string& account) {
  return guard_connection("reading daily PnL", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::vector<DailyPnlRecord> out;
    const std::string sql =
        "WITH days AS (SELECT account, (time AT TIME ZONE 'America/Bogota')::date AS day, "
        "count(*) AS bars, (array_agg(equity ORDER BY time DESC))[1] AS end_equity, "
        "(array_agg(equity ORDER BY time))[1] AS first_equity, "
        "(array_agg(realized_pnl ORDER BY time DESC))[1] AS end_realized, "
        "(array_agg(costs ORDER BY time DESC))[1] AS end_costs FROM trading.equity_snapshots "
        "WHERE ($1 = '' OR account = $1) AND time < " +
        sql_time_from_micros("$3::bigint") +
        " GROUP BY account, day), pnl AS (SELECT account, day, bars, "
        "coalesce(lag(end_equity) OVER w, first_equity) AS start_equity, end_equity, "
        "end_realized - coalesce(lag(end_realized) OVER w, 0) AS realized, "
        "end_costs - coalesce(lag(end_costs) OVER w, 0) AS costs FROM days "
        "WINDOW w AS (PARTITION BY account ORDER BY day)) "
        "SELECT account, day::text, bars, start_equity, end_equity, realized, costs FROM pnl "
        "WHERE day >= $2::date ORDER BY day, account";
    for (const auto& r : tx.exec_params(sql, account, format_date(from),
                                        to_pg_micros(cot_midnight(to + std::chrono::days(1))))) {
      DailyPnlRecord d;
      d.account = text_of(r[0]);
      d.date = parse_date_or_throw(text_of(r[1]), "day");
      d.bars = r[2].as<long>();
      d.start_equity = r[3].as<double>();
      d.end_equity = r[4].as<double>();
      d.pnl = d.end_equity - d.start_equity;
      d.realized_pnl = r[5].as<double>();
      d.costs = r[6].as<double>();
      out.push_back(std::move(d));
    }
    return out;
  });
}

EngineStatusRecord PgTradingReads::engine_status() {
  return guard_connection("reading the engine status", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    EngineStatusRecord s;
    for (const auto& r : tx.exec("SELECT name, coalesce(holder, ''), " + sql_micros_of("value") +
                                 ", epoch, " + sql_micros_of("updated_at") +
                                 " FROM system.watermarks ORDER BY name = 'leader' DESC, name")) {
      WatermarkRecord w;
      w.name = text_of(r[0]);
      w.holder = text_of(r[1]);
      w.value = optional_micros(r[2]);
      w.epoch = r[3].as<long>();
      w.updated_at = from_micros(r[4].as<int64_t>());
      s.watermarks.push_back(std::move(w));
    }
    // The engine holds pg_try_advisory_lock(hashtextextended('usdcop.live.leader', 0)) on its
    // LISTEN session; a bigint key shows in pg_locks as classid (high) and objid (low) halves.
    // pg_locks lists the whole cluster: only this database's lock is this engine's leader.
    const auto lock = tx.exec1(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND "
        "database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND "
        "granted AND ((classid::bigint << 32) | objid::bigint) = "
        "hashtextextended('usdcop.live.leader', 0)), " +
        sql_micros_of("now()"));
    s.leader_lock_held = lock[0].as<bool>();
    s.database_now = from_micros(lock[1].as<int64_t>());
    for (const auto& r :
         tx.exec("SELECT status, count(*) FROM system.dead_letter_queue GROUP BY status"))
      s.dead_letters[text_of(r[0])] = r[1].as<long>();
    return s;
  });
}

}  // namespace usdcop::store
