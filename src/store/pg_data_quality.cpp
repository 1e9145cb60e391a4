#include "store/pg_data_quality.hpp"

#include <pqxx/pqxx>

#include "store/pg_copy.hpp"

namespace usdcop::store {
namespace {

// Timestamps cross the boundary as integer microseconds since the epoch: exact and cheap.
// Open bounds (Timestamp::min()/max()) are clamped to PostgreSQL's range.
int64_t micros(Timestamp t) {
  return to_pg_micros(t);
}
// Exact conversion (no floating point): epoch + N microseconds.
const std::string kFrom = "(TIMESTAMPTZ 'epoch' + $1::bigint * INTERVAL '1 microsecond')";
const std::string kTo = "(TIMESTAMPTZ 'epoch' + $2::bigint * INTERVAL '1 microsecond')";

}  // namespace

std::vector<market::DayBarCount> PgDataQuality::bar_counts_by_day(Timestamp from, Timestamp to) {
  auto conn = pool_.acquire();
  pqxx::read_transaction tx(*conn);
  const auto rows = tx.exec_params(
      std::string(
          "SELECT (time AT TIME ZONE 'America/Bogota')::date - DATE '1970-01-01', count(*), "
          "count(*) FILTER (WHERE open = high AND high = low AND low = close) "
          "FROM market.usdcop_m5_ohlcv WHERE time >= ") +
          kFrom + " AND time < " + kTo + " GROUP BY 1 ORDER BY 1",
      micros(from), micros(to));
  std::vector<market::DayBarCount> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    market::DayBarCount c;
    c.day = Date{std::chrono::days{r[0].as<long>()}};
    c.bars = r[1].as<int>();
    c.flat = r[2].as<int>();
    out.push_back(c);
  }
  return out;
}

std::map<std::string, long> PgDataQuality::rejected_by_reason(Timestamp from, Timestamp to) {
  auto conn = pool_.acquire();
  pqxx::read_transaction tx(*conn);
  const auto rows = tx.exec_params(
      std::string(
          "SELECT CASE WHEN time IS NULL THEN reason || ' (no time)' ELSE reason END, count(*) "
          "FROM market.rejected_bars WHERE (time >= ") +
          kFrom + " AND time < " + kTo + ") OR (time IS NULL AND rejected_at >= " + kFrom +
          ") GROUP BY 1 ORDER BY 1",
      micros(from), micros(to));
  std::map<std::string, long> out;
  for (const auto& r : rows) out[r[0].as<std::string>()] = r[1].as<long>();
  return out;
}

std::vector<market::BarFlag> PgDataQuality::bar_flags(Timestamp from, Timestamp to) {
  auto conn = pool_.acquire();
  pqxx::read_transaction tx(*conn);
  const auto rows =
      tx.exec_params(std::string("SELECT (extract(epoch FROM time) * 1000000)::bigint, rule, "
                                 "coalesce(value, 0), coalesce(detail, '') "
                                 "FROM market.bar_flags WHERE time >= ") +
                         kFrom + " AND time < " + kTo + " ORDER BY time, rule",
                     micros(from), micros(to));
  std::vector<market::BarFlag> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    out.push_back({from_micros(r[0].as<int64_t>()), r[1].as<std::string>(), r[2].as<double>(),
                   r[3].as<std::string>()});
  }
  return out;
}

}  // namespace usdcop::store
