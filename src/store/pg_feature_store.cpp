#include "store/pg_feature_store.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "core/error.hpp"
#include "features/contract.hpp"
#include "store/notify.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_copy.hpp"

namespace usdcop::store {
namespace {

using features::FeatureRow;
using features::kFeatureNames;
using features::kMarketFeatureCount;

constexpr const char* kWriterLockSql = "hashtextextended('usdcop.features.writer', 0)";

std::string market_columns(const std::string& prefix = "") {
  std::string cols;
  for (int i = 0; i < kMarketFeatureCount; ++i) {
    if (i > 0) cols += ", ";
    cols += prefix;
    cols += kFeatureNames[static_cast<std::size_t>(i)];
  }
  return cols;
}

// A text[] literal in COPY text format: {"a","b"} (names are plain identifiers).
std::string array_literal(const std::vector<std::string>& items) {
  std::string s = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) s += ',';
    s += '"';
    s += items[i];
    s += '"';
  }
  s += '}';
  return s;
}

std::vector<std::string> parse_array(std::string_view text) {
  // PostgreSQL prints identifiers without quotes: {warmup,vix_z}
  std::vector<std::string> out;
  if (text.size() < 2) return out;
  text = text.substr(1, text.size() - 2);
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string item(text.substr(start, end - start));
    if (item.size() >= 2 && item.front() == '"') item = item.substr(1, item.size() - 2);
    out.push_back(item);
    start = end + 1;
  }
  return out;
}

const std::string& select_columns() {
  static const std::string cols = sql_micros_of("time") + ", " + market_columns() +
                                  ", time_normalized, complete, missing, builder_version";
  return cols;
}

FeatureRow row_from(const pqxx::row& r) {
  FeatureRow f;
  f.time = from_micros(r[0].as<int64_t>());
  for (int i = 0; i < kMarketFeatureCount; ++i) {
    const auto& field = r[i + 1];
    f.market[static_cast<std::size_t>(i)] =
        field.is_null() ? std::nan("")
                        : parse_double(std::string_view(field.c_str(), field.size()));
  }
  const auto& tn = r[kMarketFeatureCount + 1];
  f.time_normalized =
      tn.is_null() ? std::nan("") : parse_double(std::string_view(tn.c_str(), tn.size()));
  f.complete = r[kMarketFeatureCount + 2].as<bool>();
  f.missing = parse_array(r[kMarketFeatureCount + 3].c_str());
  f.builder_version = r[kMarketFeatureCount + 4].c_str();
  return f;
}

// The rows into a temporary stage table (COPY); NaN values become NULL.
void stage_feature_rows(pqxx::work& tx, std::span<const FeatureRow> rows) {
  std::string ddl = "CREATE TEMP TABLE usdcop_feature_stage (time_us bigint NOT NULL";
  for (int i = 0; i < kMarketFeatureCount; ++i) {
    ddl += ", ";
    ddl += kFeatureNames[static_cast<std::size_t>(i)];
    ddl += " double precision";
  }
  ddl +=
      ", time_normalized double precision, complete boolean NOT NULL, missing text[] NOT NULL, "
      "builder_version text NOT NULL) ON COMMIT DROP";
  tx.exec(ddl);
  {
    std::vector<std::string> cols{"time_us"};
    for (int i = 0; i < kMarketFeatureCount; ++i)
      cols.emplace_back(kFeatureNames[static_cast<std::size_t>(i)]);
    for (const char* c : {"time_normalized", "complete", "missing", "builder_version"})
      cols.emplace_back(c);
    CopyIn copy(tx, "usdcop_feature_stage", cols);
    for (const auto& r : rows) {
      std::string& row = copy.row();
      append_int(row, to_micros(r.time));
      for (const double v : r.market) {
        row += '\t';
        if (std::isfinite(v)) {
          append_double(row, v);
        } else {
          append_null(row);
        }
      }
      row += '\t';
      if (std::isfinite(r.time_normalized)) {
        append_double(row, r.time_normalized);
      } else {
        append_null(row);
      }
      row += r.complete ? "\tt\t" : "\tf\t";
      append_text(row, array_literal(r.missing));
      row += '\t';
      append_text(row, r.builder_version);
      copy.end_row();
    }
    copy.finish();
  }
}

}  // namespace

void PgFeatureStore::upsert(std::span<const FeatureRow> rows) {
  write(rows);
}

FeatureWriteResult PgFeatureStore::write(std::span<const FeatureRow> rows) {
  FeatureWriteResult result;
  if (rows.empty()) return result;
  return guard_connection("writing features", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "write_features");
    stage_feature_rows(tx, rows);
    const std::string cols =
        market_columns() + ", time_normalized, complete, missing, builder_version";
    const std::string stage_cols =
        market_columns("s.") + ", s.time_normalized, s.complete, s.missing, s.builder_version";
    const std::string stored_cols =
        market_columns("f.") + ", f.time_normalized, f.complete, f.missing, f.builder_version";
    tx.exec("CREATE TEMP TABLE usdcop_feature_in ON COMMIT DROP AS SELECT " +
            sql_time_from_micros("time_us") + " AS time, " + cols + " FROM usdcop_feature_stage");
    const auto counts = tx.exec(
        "SELECT count(*) FILTER (WHERE f.time IS NULL), "
        "count(*) FILTER (WHERE f.time IS NOT NULL AND (" +
        stored_cols + ") IS DISTINCT FROM (" + stage_cols +
        ")), "
        "count(*) FILTER (WHERE f.time IS NOT NULL AND (" +
        stored_cols + ") IS NOT DISTINCT FROM (" + stage_cols +
        ")), "
        "max(s.time) FILTER (WHERE f.time IS NULL OR (" +
        stored_cols + ") IS DISTINCT FROM (" + stage_cols +
        ")) "
        "FROM usdcop_feature_in s LEFT JOIN features.inference_features_5m f ON f.time = s.time");
    result.inserted = counts[0][0].as<long>();
    result.updated = counts[0][1].as<long>();
    result.unchanged = counts[0][2].as<long>();
    std::string set;
    for (int i = 0; i < kMarketFeatureCount; ++i) {
      const std::string n{kFeatureNames[static_cast<std::size_t>(i)]};
      set += n + " = EXCLUDED." + n + ", ";
    }
    set +=
        "time_normalized = EXCLUDED.time_normalized, complete = EXCLUDED.complete, missing = "
        "EXCLUDED.missing, "
        "builder_version = EXCLUDED.builder_version, computed_at = now()";
    tx.exec("INSERT INTO features.inference_features_5m AS f (time, " + cols + ") SELECT time, " +
            cols + " FROM usdcop_feature_in ORDER BY time ON CONFLICT (time) DO UPDATE SET " + set +
            " WHERE (" + stored_cols + ") IS DISTINCT FROM (" + market_columns("EXCLUDED.") +
            ", EXCLUDED.time_normalized, EXCLUDED.complete, EXCLUDED.missing, "
            "EXCLUDED.builder_version)");
    if (result.inserted + result.updated > 0) {
      const auto newest = tx.exec("SELECT " + sql_micros_of("time") +
                                  ", complete FROM features.inference_features_5m WHERE time = "
                                  "(SELECT max(s.time) FROM usdcop_feature_in s)");
      if (!newest.empty()) {
        notify(tx, events::NewFeatures{from_micros(newest[0][0].as<int64_t>()),
                                       newest[0][1].as<bool>(), result.inserted + result.updated});
      }
    }
    tx.commit();
    return result;
  });
}

std::vector<FeatureRow> PgFeatureStore::load(Timestamp from, Timestamp to) const {
  return guard_connection("loading features", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    const auto res = tx.exec_params("SELECT " + select_columns() +
                                        " FROM features.inference_features_5m WHERE time >= " +
                                        sql_time_from_micros("$1::bigint") + " AND time < " +
                                        sql_time_from_micros("$2::bigint") + " ORDER BY time",
                                    to_pg_micros(from), to_pg_micros(to));
    std::vector<FeatureRow> out;
    out.reserve(res.size());
    for (const auto& r : res) out.push_back(row_from(r));
    return out;
  });
}

std::optional<FeatureRow> PgFeatureStore::at(Timestamp t) const {
  auto rows = load(t, t + std::chrono::microseconds{1});
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<FeatureRow> PgFeatureStore::latest() const {
  const auto newest = guard_connection("reading the newest feature row", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    const auto r =
        tx.exec("SELECT " + sql_micros_of("max(time)") + " FROM features.inference_features_5m");
    return r[0][0].is_null() ? std::optional<int64_t>() : r[0][0].as<int64_t>();
  });
  if (!newest) return std::nullopt;
  return at(from_micros(*newest));
}

long PgFeatureStore::count(Timestamp from, Timestamp to) const {
  return guard_connection("counting features", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    return tx
        .exec_params("SELECT count(*) FROM features.inference_features_5m WHERE time >= " +
                         sql_time_from_micros("$1::bigint") + " AND time < " +
                         sql_time_from_micros("$2::bigint"),
                     to_pg_micros(from), to_pg_micros(to))[0][0]
        .as<long>();
  });
}

std::optional<features::BuilderCheckpoint> PgFeatureStore::load_checkpoint() const {
  return guard_connection("loading the feature builder checkpoint",
                          [&]() -> std::optional<features::BuilderCheckpoint> {
                            auto conn = pool_.acquire();
                            pqxx::read_transaction tx(*conn);
                            const auto res = tx.exec_params(
                                "SELECT builder_version, " + sql_micros_of("first_bar") + ", " +
                                    sql_micros_of("last_bar") +
                                    ", bar_count, state, bars_fingerprint, macro_fingerprint FROM "
                                    "features.builder_state "
                                    "WHERE builder_version = $1",
                                std::string(features::kBuilderVersion));
                            if (res.empty()) return std::nullopt;
                            features::BuilderCheckpoint c;
                            c.builder_version = res[0][0].c_str();
                            c.first_bar = from_micros(res[0][1].as<int64_t>());
                            c.last_bar = from_micros(res[0][2].as<int64_t>());
                            c.bar_count = res[0][3].as<int64_t>();
                            c.state = res[0][4].c_str();
                            c.bars_fingerprint = res[0][5].c_str();
                            c.macro_fingerprint = res[0][6].c_str();
                            return c;
                          });
}

void PgFeatureStore::save_checkpoint(const features::BuilderCheckpoint& c) {
  guard_connection("saving the feature builder checkpoint", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn);
    tx.exec_params(
        "INSERT INTO features.builder_state (builder_version, first_bar, last_bar, bar_count, "
        "state, "
        "bars_fingerprint, macro_fingerprint) VALUES ($1, " +
            sql_time_from_micros("$2::bigint") + ", " + sql_time_from_micros("$3::bigint") +
            ", $4, $5, $6, $7) ON CONFLICT (builder_version) DO UPDATE SET first_bar = "
            "EXCLUDED.first_bar, "
            "last_bar = EXCLUDED.last_bar, bar_count = EXCLUDED.bar_count, state = EXCLUDED.state, "
            "bars_fingerprint = EXCLUDED.bars_fingerprint, macro_fingerprint = "
            "EXCLUDED.macro_fingerprint, "
            "saved_at = now()",
        c.builder_version, to_micros(c.first_bar), to_micros(c.last_bar), c.bar_count, c.state,
        c.bars_fingerprint, c.macro_fingerprint);
    tx.commit();
  });
}

void PgFeatureStore::clear_checkpoint() {
  guard_connection("clearing the feature builder checkpoint", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn);
    tx.exec("DELETE FROM features.builder_state");
    tx.commit();
  });
}

std::string PgFeatureStore::bars_fingerprint(Timestamp last_bar) const {
  return guard_connection("fingerprinting bars", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    return bars_fingerprint_in(tx, last_bar);
  });
}

std::string PgFeatureStore::macro_fingerprint() const {
  return guard_connection("fingerprinting macro data", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    const std::string vars = "('dxy','vix','embi_col','brent','ust10y','ust2y','usdmxn')";
    const auto r =
        tx.exec("SELECT (SELECT count(*) || '|' || coalesce(" + sql_micros_of("max(ingested_at)") +
                ", 0) FROM market.macro_observations WHERE variable IN " + vars +
                "), (SELECT count(*) FILTER (WHERE accepted_at IS NULL) || '|' || coalesce(" +
                sql_micros_of("max(flagged_at)") + ", 0) || '|' || coalesce(" +
                sql_micros_of("max(accepted_at)") +
                ", 0) FROM market.macro_flags WHERE variable IN " + vars + ")")[0];
    return std::string(r[0].c_str()) + "|" + r[1].c_str();
  });
}

bool upsert_feature_row_in(pqxx::transaction_base& tx, const features::FeatureRow& row) {
  return tx.exec(upsert_feature_row_sql(tx, row)).affected_rows() > 0;
}

std::string upsert_feature_row_sql(pqxx::transaction_base& tx, const features::FeatureRow& row) {
  static const std::string head = "INSERT INTO features.inference_features_5m AS f (time, " +
                                  market_columns() +
                                  ", time_normalized, complete, missing, builder_version) VALUES (";
  static const std::string tail = [] {
    std::string set;
    for (int i = 0; i < kMarketFeatureCount; ++i) {
      const std::string n{kFeatureNames[static_cast<std::size_t>(i)]};
      set += n + " = EXCLUDED." + n + ", ";
    }
    set +=
        "time_normalized = EXCLUDED.time_normalized, complete = EXCLUDED.complete, missing = "
        "EXCLUDED.missing, builder_version = EXCLUDED.builder_version, computed_at = now()";
    const std::string stored =
        market_columns("f.") + ", f.time_normalized, f.complete, f.missing, f.builder_version";
    const std::string incoming = market_columns("EXCLUDED.") +
                                 ", EXCLUDED.time_normalized, EXCLUDED.complete, "
                                 "EXCLUDED.missing, EXCLUDED.builder_version";
    return ") ON CONFLICT (time) DO UPDATE SET " + set + " WHERE (" + stored +
           ") IS DISTINCT FROM (" + incoming + ")";
  }();
  // Values are our own numbers (exact shortest text) and contract names, quoted by tx.
  std::string sql = head;
  sql += sql_time_from_micros(std::to_string(to_micros(row.time)) + "::bigint");
  auto number = [&](double v) {
    sql += ", ";
    if (std::isfinite(v)) {
      append_double(sql, v);
      sql += "::float8";
    } else {
      sql += "NULL";
    }
  };
  for (const double v : row.market) number(v);
  number(row.time_normalized);
  sql += row.complete ? ", true, " : ", false, ";
  sql += '\'';
  sql += tx.esc(array_literal(row.missing));
  sql += "'::text[], '";
  sql += tx.esc(row.builder_version);
  sql += '\'';
  sql += tail;
  return sql;
}

FeatureWriterLock::FeatureWriterLock(ConnectionPool& pool) {
  guard_connection("locking the features writer", [&] {
    lease_ = pool.acquire();
    pqxx::nontransaction tx(*lease_);
    const bool got =
        tx.exec(std::string("SELECT pg_try_advisory_lock(") + kWriterLockSql + ")")[0][0]
            .as<bool>();
    if (!got) {
      lease_ = {};
      throw Error(
          ErrorKind::conflict,
          "another features build is running (features.inference_features_5m has a single writer); "
          "wait for it to finish");
    }
  });
}

FeatureWriterLock::~FeatureWriterLock() {
  if (!lease_) return;
  try {
    pqxx::nontransaction tx(*lease_);
    tx.exec(std::string("SELECT pg_advisory_unlock(") + kWriterLockSql + ")");
  } catch (...) {
    lease_.discard();  // closing the session releases the lock anyway
  }
}

}  // namespace usdcop::store
