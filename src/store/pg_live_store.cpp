#include "store/pg_live_store.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "store/dependency_failure.hpp"
#include "store/notify.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_copy.hpp"
#include "store/pg_dead_letters.hpp"
#include "store/pg_feature_store.hpp"

namespace usdcop::store {
namespace {

std::string_view view(const pqxx::field& f) {
  return {f.c_str(), f.size()};
}

std::optional<Timestamp> time_of(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return from_micros(parse_int(view(f)));
}

market::Bar bar_of(const pqxx::row& r) {
  return {from_micros(parse_int(view(r[0]))), parse_double(view(r[1])), parse_double(view(r[2])),
          parse_double(view(r[3])),           parse_double(view(r[4])), parse_double(view(r[5]))};
}

const std::string kBarSelect = "SELECT " + sql_micros_of("time") +
                               ", open, high, low, close, volume FROM market.usdcop_m5_ohlcv ";

}  // namespace

void fence_leader_epoch(pqxx::transaction_base& tx, long epoch) {
  const auto r = tx.exec("SELECT epoch FROM system.watermarks WHERE name = 'leader' FOR SHARE");
  check_leader_epoch(r.empty() || r[0][0].is_null() ? -1 : r[0][0].as<long>(), epoch);
}

void check_leader_epoch(long current, long epoch) {
  if (current != epoch)
    throw live::DeposedLeader("leader epoch is " + std::to_string(current) + ", this engine's " +
                              std::to_string(epoch) + ": another engine took the leadership");
}

std::string event_ids_relation(pqxx::transaction_base& tx,
                               const std::vector<std::string>& event_ids) {
  if (event_ids.empty()) throw std::logic_error("event_ids_relation: no event");
  std::string sql = "(VALUES ";
  for (std::size_t i = 0; i < event_ids.size(); ++i)
    sql += (i == 0 ? "(" : ", (") + sql_literal(tx, event_ids[i]) + "::text)";
  return sql + ") AS e(id)";
}

bool claim_events(pqxx::transaction_base& tx, const std::vector<std::string>& event_ids,
                  const std::string& handler, long epoch) {
  const auto r = tx.exec_params(
      "WITH l AS (SELECT epoch FROM system.watermarks WHERE name = 'leader' FOR SHARE), "
      "ins AS (INSERT INTO system.processed_events (event_id, handler, epoch) "
      "SELECT e.id, $1, $2 FROM l, " +
          event_ids_relation(tx, event_ids) +
          " WHERE l.epoch = $2 ON CONFLICT DO NOTHING RETURNING 1) "
          "SELECT (SELECT epoch FROM l), (SELECT count(*) FROM ins)",
      handler, epoch);
  check_leader_epoch(r[0][0].is_null() ? -1 : r[0][0].as<long>(), epoch);
  return r[0][1].as<std::size_t>() == event_ids.size();
}

bool claim_event(pqxx::transaction_base& tx, const std::string& event_id,
                 const std::string& handler, long epoch) {
  return claim_events(tx, {event_id}, handler, epoch);
}

std::string watermark_statement(pqxx::transaction_base& tx, const std::string& name,
                                Timestamp value, long epoch, const std::string* state,
                                const std::vector<std::string>& notifications) {
  const std::string t = sql_time_from_micros(std::to_string(to_micros(value)) + "::bigint");
  std::string sql =
      "WITH w AS (UPDATE system.watermarks SET value = " + t + ", epoch = " + std::to_string(epoch);
  if (state != nullptr) sql += ", state = " + sql_literal(tx, *state);
  sql += ", updated_at = now() WHERE name = " + sql_literal(tx, name) +
         " AND (value IS NULL OR value < " + t + ") AND epoch <= " + std::to_string(epoch) +
         " RETURNING 1) SELECT (SELECT count(*) FROM w)";
  for (const auto& n : notifications) sql += ", " + n;
  return sql;
}

void check_watermark_advanced(const pqxx::result& r, const std::string& name, Timestamp value) {
  if (r.empty() || r[0][0].as<long>() != 1)
    throw live::DeposedLeader("watermark " + name + " moved past " + format_rfc3339(value) +
                              " under another writer");
}

void advance_watermark(pqxx::transaction_base& tx, const std::string& name, Timestamp value,
                       long epoch, const std::string* state) {
  check_watermark_advanced(tx.exec(watermark_statement(tx, name, value, epoch, state, {})), name,
                           value);
}

bool PgLiveStore::lost_database(const std::exception& e) const {
  return as_dependency_failure(e).has_value();
}

long PgLiveStore::claim_leader_epoch(const std::string& holder) {
  return guard_connection("claiming the leader epoch", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "claim_leader_epoch");
    const auto r = tx.exec_params(
        "UPDATE system.watermarks SET epoch = epoch + 1, holder = $1, updated_at = now() "
        "WHERE name = 'leader' RETURNING epoch",
        holder);
    tx.commit();
    return r[0][0].as<long>();
  });
}

live::Watermarks PgLiveStore::watermarks() {
  return guard_connection("reading the watermarks", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn, "watermarks");
    const auto r = tx.exec("SELECT name, " + sql_micros_of("value") +
                           ", epoch, coalesce(state, '') FROM system.watermarks");
    live::Watermarks w;
    int handlers = 0;
    for (const auto& row : r) {
      const std::string name = row[0].c_str();
      if (name == "leader") {
        w.leader_epoch = row[2].as<long>();
      } else if (name == "L1") {
        w.l1 = time_of(row[1]);
        w.l1_state = row[3].c_str();
        ++handlers;
      } else if (name == "L5") {
        w.l5 = time_of(row[1]);
        ++handlers;
      }
    }
    w.initialized = handlers == 2;
    return w;
  });
}

void PgLiveStore::initialize_watermarks(std::optional<Timestamp> l1, const std::string& l1_state,
                                        std::optional<Timestamp> l5) {
  guard_connection("initializing the watermarks", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "initialize_watermarks");
    auto t = [](std::optional<Timestamp> v) {
      return v ? sql_time_from_micros(std::to_string(to_micros(*v)) + "::bigint")
               : std::string("NULL");
    };
    tx.exec_params("INSERT INTO system.watermarks (name, value, state) VALUES ('L1', " + t(l1) +
                       ", $1), ('L5', " + t(l5) + ", NULL) ON CONFLICT (name) DO NOTHING",
                   l1_state);
    tx.commit();
  });
}

std::optional<live::FeatureBootstrap> PgLiveStore::feature_bootstrap() {
  PgFeatureStore features(pool_);
  auto c = features.load_checkpoint();
  if (!c) return std::nullopt;
  if (features.bars_fingerprint(c->last_bar) != c->bars_fingerprint) return std::nullopt;
  if (features.macro_fingerprint() != c->macro_fingerprint) return std::nullopt;
  return live::FeatureBootstrap{c->last_bar, c->state};
}

std::optional<Timestamp> PgLiveStore::newest_bar() {
  auto b = PgBarStore(pool_).latest_bar();
  if (!b) return std::nullopt;
  return b->time;
}

std::string PgLiveStore::macro_version() {
  return PgFeatureStore(pool_).macro_fingerprint();
}

// The bars and, in the same statement, their flags (the price collar reads them right after:
// bar_flags over exactly this range is then served without a query).
std::vector<market::Bar> PgLiveStore::bars_after(std::optional<Timestamp> after,
                                                 std::size_t limit) {
  return guard_connection("loading new bars", [&] {
    auto conn = pool_.acquire();
    pqxx::nontransaction tx(*conn, "bars_after");  // one statement: no BEGIN/ROLLBACK trips
    const auto r = tx.exec_params(
        "WITH b AS (SELECT time, open, high, low, close, volume, ingested_at FROM "
        "market.usdcop_m5_ohlcv WHERE time > " +
            sql_time_from_micros("$1::bigint") +
            " ORDER BY time LIMIT $2) "
            "SELECT 0, " +
            sql_micros_of("time") + ", open, high, low, close, volume, " +
            sql_micros_of("ingested_at") +
            ", NULL::text, NULL::float8, NULL::text FROM b UNION ALL "
            "SELECT 1, " +
            sql_micros_of("f.time") +
            ", NULL, NULL, NULL, NULL, NULL, NULL, f.rule, coalesce(f.value, 0), "
            "coalesce(f.detail, '') FROM market.bar_flags f WHERE f.time >= (SELECT min(time) "
            "FROM b) AND f.time <= (SELECT max(time) FROM b) ORDER BY 1, 2, 9",
        to_pg_micros(after.value_or(Timestamp::min())), static_cast<long>(limit));
    std::vector<market::Bar> bars;
    std::vector<market::BarFlag> flags;
    if (stored_at_.size() > 4 * limit) stored_at_.clear();
    for (const auto& row : r) {
      const Timestamp t = from_micros(parse_int(view(row[1])));
      if (row[0].as<int>() == 1) {
        flags.push_back({t, row[8].c_str(), parse_double(view(row[9])), row[10].c_str()});
        continue;
      }
      bars.push_back({t, parse_double(view(row[2])), parse_double(view(row[3])),
                      parse_double(view(row[4])), parse_double(view(row[5])),
                      parse_double(view(row[6]))});
      stored_at_[t] = from_micros(parse_int(view(row[7])));
    }
    loaded_flags_.reset();
    if (!bars.empty())
      loaded_flags_ = LoadedFlags{bars.front().time, bars.back().time + kBarLength, flags};
    return bars;
  });
}

std::optional<Timestamp> PgLiveStore::stored_at(Timestamp t) const {
  const auto it = stored_at_.find(t);
  if (it == stored_at_.end()) return std::nullopt;
  return it->second;
}

std::optional<market::Bar> PgLiveStore::bar_at(Timestamp t) {
  return guard_connection("loading a bar", [&]() -> std::optional<market::Bar> {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn, "bar_at");
    const auto r = tx.exec_params(kBarSelect + "WHERE time = " + sql_time_from_micros("$1::bigint"),
                                  to_micros(t));
    if (r.empty()) return std::nullopt;
    return bar_of(r[0]);
  });
}

std::optional<features::FeatureRow> PgLiveStore::feature_row(Timestamp t) {
  return PgFeatureStore(pool_).at(t);
}

bool PgLiveStore::commit_features(const live::FeatureCommit& c, long epoch) {
  return guard_connection("committing a feature row", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "l1_features");
    if (!claim_event(tx, c.event_id, "L1", epoch)) return false;  // another delivery did it
    // The row, the watermark and new_features in one round trip (the last statement's result
    // tells whether the watermark moved). The commit does not wait for its WAL flush: an L1 row
    // is derived data, the L5 commit that follows flushes the WAL up to and past it, and a row
    // lost in a server crash before that is lost together with its watermark and recomputed,
    // identical, by the next catch-up. One fsync less per bar.
    const auto r = tx.exec(
        "SET LOCAL synchronous_commit TO off;\n" + upsert_feature_row_sql(tx, c.row) + ";\n" +
        watermark_statement(
            tx, "L1", c.row.time, epoch, &c.builder_state,
            {notify_expression(tx, events::NewFeatures{c.row.time, c.row.complete, 1})}));
    check_watermark_advanced(r, "L1", c.row.time);
    tx.commit();
    return true;
  });
}

bool PgLiveStore::commit_features_batch(const std::vector<live::FeatureCommit>& commits,
                                        long epoch) {
  if (commits.empty()) return true;
  return guard_connection("committing feature rows", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "l1_features_batch");
    std::vector<std::string> ids;
    ids.reserve(commits.size());
    for (const auto& c : commits) ids.push_back(c.event_id);
    // Any event processed before: another engine is at work; write nothing (the caller
    // reloads the watermarks). Asynchronous commit as in commit_features.
    if (!claim_events(tx, ids, "L1", epoch)) return false;
    std::string sql = "SET LOCAL synchronous_commit TO off;\n";
    std::vector<std::string> notifications;
    for (const auto& c : commits) {
      sql += upsert_feature_row_sql(tx, c.row) + ";\n";
      notifications.push_back(
          notify_expression(tx, events::NewFeatures{c.row.time, c.row.complete, 1}));
    }
    const auto& last = commits.back();
    sql += watermark_statement(tx, "L1", last.row.time, epoch, &last.builder_state, notifications);
    check_watermark_advanced(tx.exec(sql), "L1", last.row.time);
    tx.commit();
    return true;
  });
}

long PgLiveStore::dead_letter(const live::DeadLetter& letter) {
  return PgDeadLetters(pool_).record(letter);
}
std::optional<live::DeadLetterState> PgLiveStore::dead_letter_state(long id) {
  return PgDeadLetters(pool_).state(id);
}
void PgLiveStore::dead_letter_retry_failed(long id, const std::string& error) {
  PgDeadLetters(pool_).retry_failed(id, error);
}
void PgLiveStore::dead_letter_resolved(long id, const std::string& by, const std::string& how) {
  PgDeadLetters(pool_).resolved(id, by, how);
}

std::vector<live::StoredBar> PgLiveStore::decided_bars(const std::string& account) {
  return guard_connection("loading the engine's decisions", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn, "decided_bars");
    const auto r = tx.exec_params(
        "SELECT " + sql_micros_of("s.time") +
            ", coalesce(s.model_id, ''), s.close, s.mode, s.decided, coalesce(i.signal, 0) "
            "FROM trading.equity_snapshots s LEFT JOIN trading.model_inferences i "
            "ON i.time = s.time AND i.model_id = s.model_id AND i.role = 'production' "
            "WHERE s.account = $1 ORDER BY s.time",
        account);
    std::vector<live::StoredBar> out;
    out.reserve(r.size());
    for (const auto& row : r) {
      live::StoredBar b;
      b.time = from_micros(parse_int(view(row[0])));
      b.model_id = row[1].c_str();
      b.close = parse_double(view(row[2]));
      b.mode =
          trading::parse_operations_mode(row[3].c_str()).value_or(trading::OperationsMode::kKilled);
      b.decided = row[4].as<bool>();
      b.signal = row[5].as<int>();
      out.push_back(std::move(b));
    }
    return out;
  });
}

std::vector<live::StoredFill> PgLiveStore::fills(const std::string& account) {
  return guard_connection("loading the account's fills", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn, "fills");
    const auto r =
        tx.exec_params("SELECT " + sql_micros_of("f.time") +
                           ", o.source, f.reason, f.quantity, f.price, f.cost, f.position_after "
                           "FROM trading.fills f JOIN trading.orders o ON o.id = f.order_id "
                           "WHERE f.account = $1 ORDER BY f.time, f.id",
                       account);
    std::vector<live::StoredFill> out;
    out.reserve(r.size());
    for (const auto& row : r) {
      out.push_back({from_micros(parse_int(view(row[0]))), row[1].c_str(), row[2].c_str(),
                     parse_double(view(row[3])), parse_double(view(row[4])),
                     parse_double(view(row[5])), parse_double(view(row[6]))});
    }
    return out;
  });
}

std::map<Timestamp, int> PgLiveStore::shadow_signals(const std::string& account,
                                                     const std::string& model_id) {
  return guard_connection("loading shadow decisions", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn, "shadow_signals");
    const auto r = tx.exec_params("SELECT " + sql_micros_of("time") +
                                      ", signal FROM trading.model_inferences WHERE role = "
                                      "'shadow' AND account = $1 AND model_id = $2",
                                  account, model_id);
    std::map<Timestamp, int> out;
    for (const auto& row : r) out[from_micros(parse_int(view(row[0])))] = row[1].as<int>();
    return out;
  });
}

std::optional<live::StoredPosition> PgLiveStore::position(const std::string& account) {
  return guard_connection("loading the position", [&]() -> std::optional<live::StoredPosition> {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn, "position");
    const auto r =
        tx.exec_params("SELECT quantity, units, avg_price, cash, " + sql_micros_of("last_bar") +
                           " FROM trading.positions WHERE account = $1 AND symbol = "
                           "'USD/COP'",
                       account);
    if (r.empty()) return std::nullopt;
    return live::StoredPosition{parse_double(view(r[0][0])), parse_double(view(r[0][1])),
                                parse_double(view(r[0][2])), parse_double(view(r[0][3])),
                                time_of(r[0][4])};
  });
}

LiveProbe PgLiveStore::probe() {
  return guard_connection("probing the live tables", [&] {
    auto conn = pool_.acquire();
    pqxx::nontransaction tx(*conn, "live_probe");
    const auto r = tx.exec(
        "SELECT 'mode', (SELECT mode FROM trading.operations_state WHERE id = 1), 0 UNION ALL "
        "SELECT 'dlq', status, count(*) FROM system.dead_letter_queue GROUP BY status");
    LiveProbe p;
    for (const auto& row : r) {
      if (std::string_view(row[0].c_str()) == "mode") {
        if (!row[1].is_null()) p.mode = trading::parse_operations_mode(row[1].c_str());
      } else {
        p.dead_letters[row[1].c_str()] = row[2].as<long>();
      }
    }
    return p;
  });
}

}  // namespace usdcop::store
