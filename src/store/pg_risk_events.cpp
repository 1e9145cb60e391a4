#include "store/pg_risk_events.hpp"

#include <pqxx/pqxx>

#include "store/pg_copy.hpp"
#include "store/pg_registry_rows.hpp"

namespace usdcop::store {

nlohmann::json to_json(const RiskEventRecord& e) {
  return {{"id", e.id},
          {"time", format_rfc3339(e.time)},
          {"model_id", e.model_id},
          {"rule", e.rule},
          {"action", e.action},
          {"source", e.source},
          {"details", e.details}};
}

std::vector<RiskEventRecord> PgRiskEvents::list(const RiskEventQuery& q) {
  return guard_connection("reading risk events", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::vector<RiskEventRecord> out;
    for (const auto& r : tx.exec_params(
             "SELECT id, " + sql_micros_of("time") +
                 ", coalesce(model_id, ''), rule, action, source, details::text FROM "
                 "trading.risk_events WHERE time >= " +
                 sql_time_from_micros("$1::bigint") + " AND time < " +
                 sql_time_from_micros("$2::bigint") +
                 " AND ($3 = '' OR model_id = $3) AND ($4 = '' OR rule = $4) AND ($5 = '' OR "
                 "source = $5) ORDER BY time DESC, id DESC LIMIT $6",
             to_pg_micros(q.from), to_pg_micros(q.to), q.model_id, q.rule, q.source, q.limit)) {
      RiskEventRecord e;
      e.id = r[0].as<long>();
      e.time = from_micros(r[1].as<int64_t>());
      e.model_id = text_of(r[2]);
      e.rule = text_of(r[3]);
      e.action = text_of(r[4]);
      e.source = text_of(r[5]);
      e.details = nlohmann::json::parse(r[6].c_str());
      out.push_back(std::move(e));
    }
    return out;
  });
}

}  // namespace usdcop::store
