#include "store/pg_drift_history.hpp"

#include <pqxx/pqxx>

#include "store/pg_copy.hpp"
#include "store/pg_registry_rows.hpp"

namespace usdcop::store {

void PgDriftHistory::record(const std::vector<DriftHistoryRow>& rows) {
  guard_connection("recording drift history", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn);
    for (const auto& r : rows) {
      tx.exec_params(
          "INSERT INTO monitor.drift_history (computed_at, model_id, norm_stats_hash, feature, "
          "psi, threshold, drifted, window_from, window_to, window_bars) VALUES (" +
              sql_time_from_micros("$1::bigint") + ", $2, $3, $4, $5, $6, $7, " +
              sql_time_from_micros("$8::bigint") + ", " + sql_time_from_micros("$9::bigint") +
              ", $10)",
          to_pg_micros(r.computed_at), r.model_id, r.norm_stats_hash, r.feature, r.psi, r.threshold,
          r.drifted, to_pg_micros(r.window_from), to_pg_micros(r.window_to), r.window_bars);
    }
    tx.commit();
  });
}

std::vector<DriftHistoryRow> PgDriftHistory::list(const std::string& feature, Timestamp from,
                                                  Timestamp to, long limit) {
  return guard_connection("reading drift history", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::vector<DriftHistoryRow> out;
    for (const auto& r : tx.exec_params(
             "SELECT " + sql_micros_of("computed_at") +
                 ", model_id, norm_stats_hash, feature, psi, threshold, drifted, " +
                 sql_micros_of("window_from") + ", " + sql_micros_of("window_to") +
                 ", window_bars FROM monitor.drift_history WHERE ($1 = '' OR feature = $1) AND "
                 "computed_at >= " +
                 sql_time_from_micros("$2::bigint") + " AND computed_at < " +
                 sql_time_from_micros("$3::bigint") +
                 " ORDER BY computed_at DESC, feature LIMIT $4",
             feature, to_pg_micros(from), to_pg_micros(to), limit)) {
      DriftHistoryRow d;
      d.computed_at = from_micros(r[0].as<int64_t>());
      d.model_id = text_of(r[1]);
      d.norm_stats_hash = text_of(r[2]);
      d.feature = text_of(r[3]);
      d.psi = r[4].as<double>();
      d.threshold = r[5].as<double>();
      d.drifted = r[6].as<bool>();
      d.window_from = from_micros(r[7].as<int64_t>());
      d.window_to = from_micros(r[8].as<int64_t>());
      d.window_bars = r[9].as<int>();
      out.push_back(std::move(d));
    }
    return out;
  });
}

std::optional<CompleteRowsWindow> PgDriftHistory::newest_complete_rows(int bars) {
  return guard_connection("reading the drift window", [&]() -> std::optional<CompleteRowsWindow> {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    const auto r = tx.exec_params1(
        "SELECT count(*), " + sql_micros_of("min(time)") + ", " + sql_micros_of("max(time)") +
            " FROM (SELECT time FROM features.inference_features_5m WHERE complete "
            "ORDER BY time DESC LIMIT $1) w",
        bars);
    if (r[0].as<long>() == 0) return std::nullopt;
    return CompleteRowsWindow{from_micros(r[1].as<int64_t>()), from_micros(r[2].as<int64_t>()),
                              r[0].as<int>()};
  });
}

}  // namespace usdcop::store
