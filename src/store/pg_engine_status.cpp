#include "store/pg_engine_status.hpp"

#include <pqxx/pqxx>

namespace usdcop::store {

EngineStatus read_engine_status(ConnectionPool& pool) {
  auto conn = pool.acquire();
  pqxx::read_transaction tx(*conn, "ops_status");
  EngineStatus s;
  for (const auto& r : tx.exec("SELECT name, to_char(value AT TIME ZONE 'UTC', "
                               "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), epoch, coalesce(holder, '') "
                               "FROM system.watermarks ORDER BY name")) {
    EngineWatermark w;
    w.name = r[0].c_str();
    if (!r[1].is_null()) w.value = r[1].c_str();
    w.epoch = r[2].as<long>();
    w.holder = r[3].c_str();
    s.watermarks.push_back(std::move(w));
  }
  for (const auto& r : tx.exec("SELECT account, quantity, units, avg_price, cash, last_price "
                               "FROM trading.positions ORDER BY account")) {
    s.positions.push_back({r[0].c_str(), r[1].as<double>(), r[2].as<double>(), r[3].as<double>(),
                           r[4].as<double>(), r[5].is_null() ? 0.0 : r[5].as<double>()});
  }
  s.dead_letters_open =
      tx.exec1("SELECT count(*) FROM system.dead_letter_queue WHERE status <> 'resolved'")[0]
          .as<long>();
  return s;
}

}  // namespace usdcop::store
