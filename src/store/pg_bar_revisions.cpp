// PgLiveStore's side of bar revisions (migration 0025, spec 12 "Revisions and order"): the
// pending rows of market.bar_revisions, the history an L1 rebuild refolds, and the one fenced
// transaction that writes the rebuilt feature rows, the L1 builder state, the
// `revised_after_decision` risk events and the revisions' handled marks.
#include <pqxx/pqxx>

#include "store/pg_bar_store.hpp"
#include "store/pg_copy.hpp"
#include "store/pg_feature_store.hpp"
#include "store/pg_live_store.hpp"

namespace usdcop::store {
namespace {

std::string time_literal(Timestamp t) {
  return sql_time_from_micros(std::to_string(to_micros(t)) + "::bigint");
}

std::string optional_time_literal(const std::optional<Timestamp>& t) {
  return t ? time_literal(*t) : "NULL::timestamptz";
}

std::string id_array(const std::vector<live::BarRevision>& revisions) {
  std::string s = "ARRAY[";
  for (std::size_t i = 0; i < revisions.size(); ++i) {
    if (i > 0) s += ",";
    s += std::to_string(revisions[i].id);
  }
  return s + "]::bigint[]";
}

// The rebuilt rows in statements of at most 500 rows each (one round trip per chunk).
void upsert_rows(pqxx::work& tx, const std::vector<features::FeatureRow>& rows) {
  std::string batch;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    batch += upsert_feature_row_sql(tx, rows[i]) + ";\n";
    if ((i + 1) % 500 == 0 || i + 1 == rows.size()) {
      tx.exec(batch);
      batch.clear();
    }
  }
}

// The builder state after the unchanged L1 watermark: only when the watermark is still `l1`
// under an epoch not newer than ours (compare-and-set, like advance_watermark).
void replace_l1_state(pqxx::work& tx, Timestamp l1, const std::string& state, long epoch) {
  const auto r = tx.exec("UPDATE system.watermarks SET state = " + sql_literal(tx, state) +
                         ", epoch = " + std::to_string(epoch) +
                         ", updated_at = now() WHERE name = 'L1' AND value = " + time_literal(l1) +
                         " AND epoch <= " + std::to_string(epoch));
  if (r.affected_rows() != 1)
    throw live::DeposedLeader("watermark L1 moved from " + format_rfc3339(l1) +
                              " under another writer during a revision rebuild");
}

}  // namespace

std::vector<live::BarRevision> PgLiveStore::pending_revisions() {
  return guard_connection("reading bar revisions", [&] {
    auto conn = pool_.acquire();
    pqxx::nontransaction tx(*conn, "pending_revisions");
    std::vector<live::BarRevision> out;
    for (const auto& r : tx.exec("SELECT id, " + sql_micros_of("time") +
                                 " FROM market.bar_revisions WHERE handled_at IS NULL "
                                 "ORDER BY time, id"))
      out.push_back({r[0].as<long>(), from_micros(r[1].as<int64_t>())});
    return out;
  });
}

std::vector<market::Bar> PgLiveStore::bars_through(Timestamp last) {
  return PgBarStore(pool_).load_bars(Timestamp::min(), last + std::chrono::microseconds(1));
}

void PgLiveStore::commit_revisions(const live::RevisionCommit& c, long epoch) {
  if (c.revisions.empty()) return;
  guard_connection("committing a revision rebuild", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "l1_revisions");
    fence_leader_epoch(tx, epoch);
    if (!c.rows.empty()) {
      upsert_rows(tx, c.rows);
      replace_l1_state(tx, *c.l1, c.builder_state, epoch);
    }
    const std::string ids = id_array(c.revisions);
    const std::string l1 = optional_time_literal(c.l1);
    const std::string l5 = optional_time_literal(c.l5);
    // The decision stays as taken; the revision after it is logged (one row per revised bar,
    // once: only revisions not handled yet).
    tx.exec(
        "INSERT INTO trading.risk_events (time, model_id, rule, action, details, source, "
        "account, event_id) "
        "SELECT r.time, coalesce((SELECT i.model_id FROM trading.model_inferences i WHERE "
        "i.time = r.time AND i.role = 'production' AND i.account = " +
        sql_literal(tx, c.account) + " LIMIT 1), " + sql_literal(tx, c.model_id) +
        "), 'revised_after_decision', 'decision_kept', jsonb_build_object('revision_id', r.id, "
        "'old', jsonb_build_object('open', r.old_open, 'high', r.old_high, 'low', r.old_low, "
        "'close', r.old_close, 'volume', r.old_volume, 'source', r.old_source), "
        "'new', jsonb_build_object('open', r.new_open, 'high', r.new_high, 'low', r.new_low, "
        "'close', r.new_close, 'volume', r.new_volume, 'source', r.new_source), "
        "'revised_at', r.revised_at, 'features_rebuilt_through', " +
        l1 + "), 'live', " + sql_literal(tx, c.account) +
        ", 'bar_revision:' || r.id FROM market.bar_revisions r WHERE r.id = ANY(" + ids +
        ") AND r.handled_at IS NULL AND r.time <= " + l5 + " ORDER BY r.time, r.id");
    tx.exec("UPDATE market.bar_revisions SET handled_at = now(), handled_epoch = " +
            std::to_string(epoch) + ", features_rebuilt = coalesce(time <= " + l1 +
            ", false), decided_before = coalesce(time <= " + l5 + ", false) WHERE id = ANY(" + ids +
            ") AND handled_at IS NULL");
    tx.commit();
  });
}

}  // namespace usdcop::store
