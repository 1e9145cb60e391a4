#include "store/pg_bar_store.hpp"

#include <algorithm>
#include <cmath>
#include <pqxx/pqxx>
#include <stdexcept>

#include "store/pg_copy.hpp"

namespace usdcop::store {

namespace {

using market::Bar;

constexpr int64_t kBarMicros = 300'000'000;  // 5 minutes

std::string_view view(const pqxx::field& f) {
  return {f.c_str(), f.size()};
}

Bar bar_from_row(const pqxx::row& r) {
  Bar b;
  b.time = from_micros(parse_int(view(r[0])));
  b.open = parse_double(view(r[1]));
  b.high = parse_double(view(r[2]));
  b.low = parse_double(view(r[3]));
  b.close = parse_double(view(r[4]));
  b.volume = parse_double(view(r[5]));
  return b;
}

const std::string kStageTime = sql_time_from_micros("s.us");
const std::string kBarColumns = sql_micros_of("time") + ", open, high, low, close, volume";

void check_unique_times(const std::vector<Bar>& bars) {
  bool sorted = true;
  for (size_t i = 1; i < bars.size(); ++i) {
    if (!(bars[i - 1].time < bars[i].time)) {
      sorted = false;
      break;
    }
  }
  if (sorted) return;
  std::vector<int64_t> times;
  times.reserve(bars.size());
  for (const Bar& b : bars) times.push_back(to_micros(b.time));
  std::sort(times.begin(), times.end());
  if (std::adjacent_find(times.begin(), times.end()) != times.end()) {
    throw std::invalid_argument("PgBarStore::write_bars: two bars share a time");
  }
}

}  // namespace

namespace {

// Bar writers are serialized (readers are not blocked: SHARE ROW EXCLUSIVE conflicts only
// with writes), so what the match query finds stays true until the commit.
void lock_bar_writers(pqxx::work& tx) {
  tx.exec("LOCK TABLE market.usdcop_m5_ohlcv IN SHARE ROW EXCLUSIVE MODE");
}

// The bars into a temporary stage table (COPY), checking their 5-minute alignment.
void stage_bars(pqxx::work& tx, const std::vector<Bar>& bars) {
  tx.exec(
      "CREATE TEMP TABLE usdcop_bar_stage (us bigint NOT NULL, open float8 NOT NULL, high float8 "
      "NOT NULL, "
      "low float8 NOT NULL, close float8 NOT NULL, volume float8 NOT NULL) ON COMMIT DROP");
  {
    CopyIn copy(tx, "usdcop_bar_stage", {"us", "open", "high", "low", "close", "volume"});
    for (const Bar& b : bars) {
      const int64_t us = to_micros(b.time);
      if (us % kBarMicros != 0) {
        throw Error(ErrorKind::invalid_input,
                    "bar time " + format_rfc3339(b.time) + " is not aligned to 5 minutes");
      }
      std::string& row = copy.row();
      append_int(row, us);
      row += '\t';
      append_double(row, b.open);
      row += '\t';
      append_double(row, b.high);
      row += '\t';
      append_double(row, b.low);
      row += '\t';
      append_double(row, b.close);
      row += '\t';
      append_double(row, b.volume);
      copy.end_row();
    }
    copy.finish();
  }
}

// Rows already stored: identical ones are counted (result.identical), different ones are
// conflicts; returns how many staged bars matched a stored one.
long match_stored_bars(pqxx::work& tx, market::BarWriteResult& result) {
  const auto matched = tx.exec(
      "WITH m AS MATERIALIZED ("
      "  SELECT s.us, s.open, s.high, s.low, s.close, s.volume,"
      "         (t.open, t.high, t.low, t.close, t.volume) IS NOT DISTINCT FROM"
      "         (s.open, s.high, s.low, s.close, s.volume) AS same"
      "  FROM usdcop_bar_stage s JOIN market.usdcop_m5_ohlcv t ON t.time = " +
      kStageTime +
      ") "
      "SELECT NULL::bigint AS us, NULL::float8, NULL::float8, NULL::float8, NULL::float8, "
      "NULL::float8,"
      "       count(*) FILTER (WHERE same) AS identical, count(*) AS matched FROM m "
      "UNION ALL "
      "SELECT us, open, high, low, close, volume, NULL, NULL FROM m WHERE NOT same "
      "ORDER BY 1 NULLS FIRST");
  long total_matched = 0;
  for (const auto& r : matched) {
    if (r[0].is_null()) {
      result.identical = r[6].as<long>();
      total_matched = r[7].as<long>();
    } else {
      result.conflicts.push_back(bar_from_row(r));
    }
  }
  return total_matched;
}

// A float8 literal: our own numbers (shortest exact text); non-finite ones spelled out.
void append_float8(std::string& sql, double v) {
  if (std::isnan(v)) {
    sql += "'NaN'::float8";
  } else if (std::isinf(v)) {
    sql += v > 0 ? "'Infinity'::float8" : "'-Infinity'::float8";
  } else {
    append_double(sql, v);
    sql += "::float8";
  }
}

// A few bars (the replay and live feeds write one at a time), without replace: the match and
// the insert in one statement over an inline VALUES list. The stage table costs more than the
// write for one bar (catalog rows created and dropped, and a planner that knows nothing of the
// table hash-joins the whole bar table).
market::BarWriteResult write_few_bars_in(pqxx::work& tx, const std::vector<Bar>& bars,
                                         const std::string& source) {
  std::string sql = "WITH s (us, open, high, low, close, volume) AS (VALUES ";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const int64_t us = to_micros(b.time);
    if (us % kBarMicros != 0)
      throw Error(ErrorKind::invalid_input,
                  "bar time " + format_rfc3339(b.time) + " is not aligned to 5 minutes");
    sql += i == 0 ? "(" : ", (";
    append_int(sql, us);
    sql += "::bigint";
    for (double v : {b.open, b.high, b.low, b.close, b.volume}) {
      sql += ", ";
      append_float8(sql, v);
    }
    sql += ")";
  }
  sql +=
      "), m AS MATERIALIZED (SELECT s.us, s.open, s.high, s.low, s.close, s.volume, "
      "(t.open, t.high, t.low, t.close, t.volume) IS NOT DISTINCT FROM "
      "(s.open, s.high, s.low, s.close, s.volume) AS same "
      "FROM s JOIN market.usdcop_m5_ohlcv t ON t.time = " +
      kStageTime +
      "), ins AS (INSERT INTO market.usdcop_m5_ohlcv (time, open, high, low, close, volume, "
      "source) SELECT " +
      kStageTime + ", s.open, s.high, s.low, s.close, s.volume, " + sql_literal(tx, source) +
      " FROM s WHERE NOT EXISTS (SELECT 1 FROM m WHERE m.us = s.us) RETURNING 1) "
      "SELECT NULL::bigint AS us, NULL::float8, NULL::float8, NULL::float8, NULL::float8, "
      "NULL::float8, (SELECT count(*) FROM m WHERE same), (SELECT count(*) FROM ins) "
      "UNION ALL SELECT us, open, high, low, close, volume, NULL, NULL FROM m WHERE NOT same "
      "ORDER BY 1 NULLS FIRST";
  market::BarWriteResult result;
  for (const auto& r : tx.exec(sql)) {
    if (r[0].is_null()) {
      result.identical = r[6].as<long>();
      result.inserted = r[7].as<long>();
    } else {
      result.conflicts.push_back(bar_from_row(r));
    }
  }
  return result;
}

constexpr std::size_t kFewBars = 16;

market::BarWriteResult write_bars_in(pqxx::work& tx, const std::vector<Bar>& bars,
                                     const std::string& source, bool replace) {
  market::BarWriteResult result;
  if (bars.empty()) return result;
  check_unique_times(bars);
  if (!replace && bars.size() <= kFewBars) return write_few_bars_in(tx, bars, source);
  stage_bars(tx, bars);
  const long total_matched = match_stored_bars(tx, result);

  if (replace && !result.conflicts.empty()) {
    const auto upd = tx.exec_params(
        "UPDATE market.usdcop_m5_ohlcv t SET open = s.open, high = s.high, low = s.low, close = "
        "s.close, "
        "volume = s.volume, source = $1, ingested_at = now() "
        "FROM usdcop_bar_stage s WHERE t.time = " +
            kStageTime +
            " AND (t.open, t.high, t.low, t.close, t.volume) IS DISTINCT FROM "
            "(s.open, s.high, s.low, s.close, s.volume)",
        source);
    result.replaced = static_cast<long>(upd.affected_rows());
    result.conflicts.clear();
  }

  if (total_matched < static_cast<long>(bars.size())) {
    // The table lock makes the match above still true: no ON CONFLICT needed (its
    // speculative insertion costs about a third more), and no anti-join when nothing matched.
    std::string sql =
        "INSERT INTO market.usdcop_m5_ohlcv (time, open, high, low, close, volume, source) "
        "SELECT " +
        kStageTime + ", s.open, s.high, s.low, s.close, s.volume, $1 FROM usdcop_bar_stage s";
    if (total_matched > 0) {
      sql +=
          " WHERE NOT EXISTS (SELECT 1 FROM market.usdcop_m5_ohlcv t WHERE t.time = " + kStageTime +
          ")";
    }
    const auto ins = tx.exec_params(sql, source);
    result.inserted = static_cast<long>(ins.affected_rows());
  }
  return result;
}

// Rejects already recorded for the same source, line, reason and raw text (a re-import of the
// same file) are not appended again; returns how many are new.
long record_rejects_in(pqxx::work& tx, const std::vector<market::RejectedBar>& rejects) {
  if (rejects.empty()) return 0;
  tx.exec(
      "CREATE TEMP TABLE usdcop_reject_stage (ord bigint NOT NULL, source text NOT NULL, line "
      "bigint, time timestamptz, reason text NOT NULL, detail text, raw text NOT NULL) ON COMMIT "
      "DROP");
  {
    CopyIn copy(tx, "usdcop_reject_stage",
                {"ord", "source", "line", "time", "reason", "detail", "raw"});
    long ord = 0;
    for (const auto& r : rejects) {
      std::string& row = copy.row();
      append_int(row, ord++);
      row += '\t';
      append_text(row, r.source);
      row += '\t';
      if (r.line > 0) {
        append_int(row, r.line);
      } else {
        append_null(row);
      }
      row += '\t';
      if (r.time) {
        append_text(row, format_rfc3339(*r.time));
      } else {
        append_null(row);
      }
      row += '\t';
      append_text(row, r.reason);
      row += '\t';
      append_text(row, r.detail);
      row += '\t';
      append_text(row, r.raw);
      copy.end_row();
    }
    copy.finish();
  }
  // API rows have no line: their raw text (the whole record) identifies a repeat.
  const auto ins = tx.exec(
      "INSERT INTO market.rejected_bars (source, line, time, reason, detail, raw) "
      "SELECT source, line, time, reason, detail, raw FROM usdcop_reject_stage s "
      "WHERE NOT EXISTS (SELECT 1 FROM market.rejected_bars r WHERE r.source = s.source "
      "  AND r.line IS NOT DISTINCT FROM s.line AND r.reason = s.reason AND r.raw = s.raw) "
      "ORDER BY ord");
  return static_cast<long>(ins.affected_rows());
}

long record_flags_in(pqxx::work& tx, const std::vector<market::BarFlag>& flags) {
  if (flags.empty()) return 0;
  tx.exec(
      "CREATE TEMP TABLE usdcop_flag_stage (ord bigint NOT NULL, us bigint NOT NULL, rule text "
      "NOT NULL, value float8, detail text) ON COMMIT DROP");
  {
    CopyIn copy(tx, "usdcop_flag_stage", {"ord", "us", "rule", "value", "detail"});
    long ord = 0;
    for (const auto& f : flags) {
      std::string& row = copy.row();
      append_int(row, ord++);
      row += '\t';
      append_int(row, to_micros(f.time));
      row += '\t';
      append_text(row, f.rule);
      row += '\t';
      append_double(row, f.value);
      row += '\t';
      append_text(row, f.detail);
      copy.end_row();
    }
    copy.finish();
  }
  const auto ins = tx.exec(
      "INSERT INTO market.bar_flags (time, rule, value, detail) SELECT " + kStageTime +
      ", s.rule, s.value, s.detail FROM (SELECT DISTINCT ON (us, rule) us, rule, value, detail "
      "FROM usdcop_flag_stage ORDER BY us, rule, ord) s ON CONFLICT (time, rule) DO NOTHING");
  return static_cast<long>(ins.affected_rows());
}

}  // namespace

market::BarWriteResult PgBarStore::write_bars(const std::vector<Bar>& bars,
                                              const std::string& source, bool replace) {
  if (bars.empty()) return {};
  return guard_connection("writing bars", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "write_bars");
    lock_bar_writers(tx);
    auto result = write_bars_in(tx, bars, source, replace);
    tx.commit();
    return result;
  });
}

market::BarImportWrite PgBarStore::write_import(market::BarImportBatch& batch,
                                                const CompleteImport& complete) {
  return guard_connection("writing an import", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "write_import");
    // Taken even without bars: concurrent imports of the same file then see each other's
    // rejects and record them once.
    lock_bar_writers(tx);
    market::BarImportWrite w;
    w.bars = write_bars_in(tx, batch.bars, batch.source, batch.replace);
    if (complete) complete(w.bars, batch);
    w.new_rejects = record_rejects_in(tx, batch.rejects);
    w.new_flags = record_flags_in(tx, batch.flags);
    tx.commit();
    return w;
  });
}

namespace {

std::vector<Bar> load_bars_in(pqxx::transaction_base& tx, Timestamp from, Timestamp to) {
  std::vector<Bar> out;
  if (!(from < to)) return out;
  const auto r = tx.exec_params(
      "SELECT " + kBarColumns +
          " FROM market.usdcop_m5_ohlcv WHERE time >= " + sql_time_from_micros("$1::bigint") +
          " AND time < " + sql_time_from_micros("$2::bigint") + " ORDER BY time",
      to_pg_micros(from), to_pg_micros(to));
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(bar_from_row(row));
  return out;
}

}  // namespace

std::vector<Bar> PgBarStore::load_bars(Timestamp from, Timestamp to) {
  return guard_connection("loading bars", [&] {
    if (!(from < to)) return std::vector<Bar>{};
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn, "load_bars");
    return load_bars_in(tx, from, to);
  });
}

std::string bars_fingerprint_in(pqxx::transaction_base& tx, Timestamp last_bar) {
  const auto r = tx.exec_params(
      "SELECT count(*), coalesce(" + sql_micros_of("max(ingested_at)") + ", 0), coalesce(" +
          sql_micros_of("min(time)") +
          ", 0) FROM market.usdcop_m5_ohlcv WHERE time <= " + sql_time_from_micros("$1::bigint"),
      to_pg_micros(last_bar))[0];
  return std::string(r[0].c_str()) + "|" + r[1].c_str() + "|" + r[2].c_str();
}

BarSnapshot::BarSnapshot(ConnectionPool& pool) {
  guard_connection("opening a snapshot of the bars", [&] {
    lease_ = pool.acquire();
    tx_ = std::make_unique<pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>>(
        *lease_, "bar_snapshot");
    // REPEATABLE READ fixes the snapshot at the first statement: take it now.
    tx_->exec("SELECT 1");
  });
}

BarSnapshot::~BarSnapshot() {
  try {
    if (tx_) tx_->abort();
  } catch (...) {
    lease_.discard();
  }
}

std::vector<Bar> BarSnapshot::load_bars(Timestamp from, Timestamp to) {
  return guard_connection("loading bars", [&] { return load_bars_in(*tx_, from, to); });
}

std::string BarSnapshot::bars_fingerprint(Timestamp last_bar) {
  return guard_connection("fingerprinting bars",
                          [&] { return bars_fingerprint_in(*tx_, last_bar); });
}

std::optional<Bar> PgBarStore::bar_before(Timestamp t) {
  return guard_connection("loading the previous bar", [&]() -> std::optional<Bar> {
    auto conn = pool_.acquire();
    pqxx::nontransaction tx(*conn, "bar_before");  // one statement: no BEGIN/ROLLBACK trips
    const auto r =
        tx.exec_params("SELECT " + kBarColumns + " FROM market.usdcop_m5_ohlcv WHERE time < " +
                           sql_time_from_micros("$1::bigint") + " ORDER BY time DESC LIMIT 1",
                       to_pg_micros(t));
    if (r.empty()) return std::nullopt;
    return bar_from_row(r[0]);
  });
}

std::optional<Bar> PgBarStore::latest_bar() {
  return guard_connection("loading the latest bar", [&]() -> std::optional<Bar> {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn, "latest_bar");
    const auto r = tx.exec("SELECT " + kBarColumns +
                           " FROM market.usdcop_m5_ohlcv ORDER BY time DESC LIMIT 1");
    if (r.empty()) return std::nullopt;
    return bar_from_row(r[0]);
  });
}

long PgBarStore::count_bars(Timestamp from, Timestamp to) {
  return guard_connection("counting bars", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn, "count_bars");
    const auto r = tx.exec_params("SELECT count(*) FROM market.usdcop_m5_ohlcv WHERE time >= " +
                                      sql_time_from_micros("$1::bigint") + " AND time < " +
                                      sql_time_from_micros("$2::bigint"),
                                  to_pg_micros(from), to_pg_micros(to));
    return r[0][0].as<long>();
  });
}

}  // namespace usdcop::store
