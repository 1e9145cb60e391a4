// The L5 handler transaction of store::PgLiveStore: fence, operations mode FOR SHARE, processed
// event and stored position in its first statement, then (at commit) the decision, order and
// fill, position, equity snapshot, risk events, the L5 watermark and the notifications
// (new_signal, new_fill, equity_snapshot) in one batch of statements: four round trips per bar
// with BEGIN and COMMIT. Opened for several events (a catch-up that is behind), the same four
// round trips carry every bar: one processed event per bar in the first statement, each bar's
// writes in the batch, the watermark once, last.
#include <array>
#include <cmath>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <string_view>
#include <vector>

#include "core/sha256.hpp"
#include "store/notify.hpp"
#include "store/pg_copy.hpp"
#include "store/pg_live_store.hpp"

namespace usdcop::store {
namespace {

std::string time_sql(Timestamp t) {
  return sql_time_from_micros(std::to_string(to_micros(t)) + "::bigint");
}

std::string num(double v) {
  if (!std::isfinite(v))
    return v != v ? "'NaN'::float8" : (v > 0 ? "'Infinity'::float8" : "'-Infinity'::float8");
  std::string s;
  append_double(s, v);
  return s;
}

bool all_finite(std::initializer_list<double> values) {
  for (const double v : values)
    if (!std::isfinite(v)) return false;
  return true;
}

// The bar's `new_fill` (when an order filled) and `equity_snapshot` notifications, for the
// API's signals stream. A number JSON cannot carry (NaN, infinity) leaves the bar unannounced
// rather than failing its commit: the rows are written all the same, and a notification is
// only a wake-up (docs/EVENTS.md).
void account_notifications(pqxx::work& tx, const live::DecisionRecord& r,
                           std::vector<std::string>& out) {
  const auto& a = r.after.account;
  if (r.order) {
    const auto& f = r.order->fill;
    if (all_finite({f.quantity, f.price, f.cost, f.position_after}) && f.cost >= 0)
      out.push_back(notify_expression(
          tx, events::NewFill{r.account, r.model_id, r.bar_time, f.time, f.quantity, f.price,
                              f.cost, f.position_after, r.order->reason}));
  }
  const double equity = a.equity(), unrealized = a.unrealized_pnl();
  if (all_finite({equity, a.cash, a.position, a.realized_pnl, unrealized}))
    out.push_back(notify_expression(
        tx, events::EquitySnapshot{r.account, r.model_id, r.bar_time, equity, a.cash, a.position,
                                   a.realized_pnl, unrealized, r.mode, r.decided}));
}

// "quantity units avg_price cash last_bar_micros|-" (one text column of the position, so that
// the opening statement keeps a single row of scalar subqueries).
live::StoredPosition position_of(std::string_view text) {
  std::array<std::string_view, 5> part{};
  for (auto& p : part) {
    const auto space = text.find(' ');
    p = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
  }
  live::StoredPosition s;
  s.quantity = parse_double(part[0]);
  s.units = parse_double(part[1]);
  s.avg_price = parse_double(part[2]);
  s.cash = parse_double(part[3]);
  if (part[4] != "-") s.last_bar = from_micros(parse_int(part[4]));
  return s;
}

class PgDecisionTransaction final : public live::DecisionTransaction {
 public:
  PgDecisionTransaction(ConnectionPool& pool, std::vector<std::string> event_ids,
                        const std::string& account, long epoch)
      : lease_(pool.acquire()),
        tx_(*lease_, "l5_decision"),
        event_ids_(std::move(event_ids)),
        epoch_(epoch) {
    // One round trip: the fence, the mode, the processed event and the position. The mode is
    // read FOR SHARE: a kill (UPDATE of that row) waits for this decision to commit, and every
    // decision after the kill reads KILLED; unreadable means KILLED (fail closed). The position
    // is read FOR SHARE too: a locking read returns the newest committed row, so after waiting
    // for a kill it sees the kill's closing (a plain read would see this statement's snapshot).
    // Locks in the kill's order (operations_state, then positions) so that the two never wait
    // for each other: the position qual needs m first, and the select list runs left to right.
    const auto r = tx_.exec_params(
        "WITH l AS (SELECT epoch FROM system.watermarks WHERE name = 'leader' FOR SHARE), "
        "m AS (SELECT mode FROM trading.operations_state WHERE id = 1 FOR SHARE), "
        "ins AS (INSERT INTO system.processed_events (event_id, handler, epoch) "
        "SELECT e.id, 'L5', $1 FROM l, " +
            event_ids_relation(tx_, event_ids_) +
            " WHERE l.epoch = $1 ON CONFLICT DO NOTHING RETURNING 1), "
            "p AS (SELECT quantity::text || ' ' || units::text || ' ' || avg_price::text || ' ' || "
            "cash::text || ' ' || coalesce(" +
            sql_micros_of("last_bar") +
            "::text, '-') AS v FROM trading.positions WHERE account = $2 AND symbol = 'USD/COP' "
            "AND (SELECT count(*) FROM m) >= 0 FOR SHARE) "
            "SELECT (SELECT epoch FROM l), (SELECT mode FROM m), (SELECT count(*) FROM ins), "
            "(SELECT v FROM p)",
        epoch_, account);
    const auto row = r[0];
    check_leader_epoch(row[0].is_null() ? -1 : row[0].as<long>(), epoch_);
    if (!row[1].is_null())
      mode_ =
          trading::parse_operations_mode(row[1].c_str()).value_or(trading::OperationsMode::kKilled);
    // Any of the events processed before: another engine is at work (nothing is written).
    already_ = row[2].as<std::size_t>() != event_ids_.size();
    if (!row[3].is_null()) position_ = position_of(row[3].c_str());
  }
  ~PgDecisionTransaction() override {
    try {
      if (!done_) tx_.abort();
    } catch (...) {
      lease_.discard();
    }
  }

  bool already_processed() const override { return already_; }
  trading::OperationsMode mode() const override { return mode_; }
  std::optional<live::StoredPosition> stored_position() const override { return position_; }

  void commit(const live::DecisionRecord& r) override { write({&r}); }

  void commit_batch(const std::vector<live::DecisionRecord>& records) override {
    std::vector<const live::DecisionRecord*> all;
    all.reserve(records.size());
    for (const auto& r : records) all.push_back(&r);
    write(all);
  }

 private:
  std::string q(const std::string& v) { return sql_literal(tx_, v); }

  void write(const std::vector<const live::DecisionRecord*>& records) {
    if (already_) throw std::logic_error("DecisionTransaction::commit of a processed event");
    if (records.empty() || records.size() > event_ids_.size())
      throw std::logic_error("DecisionTransaction::commit: one record per event");
    guard_connection("committing a decision", [&] {
      // Every write of the bars in one round trip; the watermark statement comes last, its
      // result says whether the watermark moved.
      std::string sql;
      std::vector<std::string> notifications;
      for (std::size_t i = 0; i < records.size(); ++i)
        sql += record_sql(*records[i], event_ids_[i], notifications);
      // A batch ended early: its later events were claimed by this transaction, not decided.
      if (records.size() < event_ids_.size()) {
        sql += "DELETE FROM system.processed_events WHERE handler = 'L5' AND event_id IN (";
        for (std::size_t i = records.size(); i < event_ids_.size(); ++i)
          sql += (i == records.size() ? "" : ", ") + q(event_ids_[i]);
        sql += ");";
      }
      const auto& last = *records.back();
      sql += watermark_statement(tx_, "L5", last.bar_time, epoch_, nullptr, notifications);
      check_watermark_advanced(tx_.exec(sql), "L5", last.bar_time);
      tx_.commit();
      done_ = true;
    });
  }

  // One bar's statements; its new_signal, new_fill and equity_snapshot notifications join
  // `notifications`.
  std::string record_sql(const live::DecisionRecord& r, const std::string& event_id,
                         std::vector<std::string>& notifications) {
    std::string sql;
    if (r.decided) sql += inference_sql(r, event_id);
    for (const auto& shadow : r.shadows) {
      sql += shadow_sql(r, shadow, event_id);
      notifications.push_back(notify_expression(
          tx_, events::NewSignal{r.bar_time, shadow.model_id,
                                 static_cast<trading::Signal>(shadow.signal), true}));
    }
    if (r.order) sql += order_sql(r, event_id);
    sql += account_sql(r);
    for (const auto& e : r.risk_events) {
      sql +=
          "INSERT INTO trading.risk_events (time, model_id, rule, action, details, source, "
          "account, event_id) VALUES (" +
          time_sql(e.time) + ", " + q(r.model_id) + ", " + q(e.rule) + ", " + q(e.action) + ", " +
          q(e.details.dump()) + "::jsonb, 'live', " + q(r.account) + ", " + q(event_id) + ");\n";
    }
    if (r.decided)
      notifications.push_back(
          notify_expression(tx_, events::NewSignal{r.bar_time, r.model_id,
                                                   static_cast<trading::Signal>(r.signal), false}));
    account_notifications(tx_, r, notifications);
    return sql;
  }

  std::string inference_sql(const live::DecisionRecord& r, const std::string& event_id) {
    return "INSERT INTO trading.model_inferences (time, model_id, role, observation_hash, action, "
           "signal, latency_us, account, event_id, observation, mode, position_before, "
           "position_after, rule) VALUES (" +
           time_sql(r.bar_time) + ", " + q(r.model_id) + ", 'production', " +
           q(sha256_hex(r.observation_json)) + ", " + num(r.action) + ", " +
           std::to_string(r.signal) + ", " + num(r.latency_us) + ", " + q(r.account) + ", " +
           q(event_id) + ", " +
           q(r.observation_json.empty() ? std::string("null") : r.observation_json) + "::jsonb, " +
           q(trading::mode_name(r.mode)) + ", " + num(r.position_before) + ", " +
           num(r.position_after) + ", NULLIF(" + q(r.rule) + ", ''));\n";
  }

  std::string shadow_sql(const live::DecisionRecord& r, const live::ShadowDecision& d,
                         const std::string& event_id) {
    return "INSERT INTO trading.model_inferences (time, model_id, role, observation_hash, action, "
           "signal, latency_us, account, event_id, observation, mode, position_before, "
           "position_after) VALUES (" +
           time_sql(r.bar_time) + ", " + q(d.model_id) + ", 'shadow', " +
           q(sha256_hex(d.observation_json)) + ", " + num(d.action) + ", " +
           std::to_string(d.signal) + ", " + num(d.latency_us) + ", " + q(r.account) + ", " +
           q(event_id) + ", " + q(d.observation_json) + "::jsonb, 'NORMAL', " +
           num(d.position_before) + ", " + num(d.position_after) + ");\n";
  }

  std::string order_sql(const live::DecisionRecord& r, const std::string& event_id) {
    const auto& o = *r.order;
    return "WITH o AS (INSERT INTO trading.orders (account, model_id, bar_time, source, side, "
           "quantity, target_units, reason, event_id) VALUES (" +
           q(r.account) + ", " + q(r.model_id) + ", " + time_sql(r.bar_time) + ", " + q(o.source) +
           ", " + q(o.fill.quantity > 0 ? "buy" : "sell") + ", " + num(o.fill.quantity) + ", " +
           num(o.target_units) + ", " + q(o.reason) + ", " + q(event_id) +
           ") RETURNING id) INSERT INTO trading.fills (order_id, account, time, quantity, price, "
           "cost, position_after, reason) SELECT o.id, " +
           q(r.account) + ", " + time_sql(o.fill.time) + ", " + num(o.fill.quantity) + ", " +
           num(o.fill.price) + ", " + num(o.fill.cost) + ", " + num(o.fill.position_after) + ", " +
           q(o.reason) + " FROM o;\n";
  }

  std::string account_sql(const live::DecisionRecord& r) {
    const auto& a = r.after.account;
    const std::string opened = a.position != 0 ? time_sql(a.opened_at) : std::string("NULL");
    return "INSERT INTO trading.positions (account, symbol, quantity, units, avg_price, "
           "opened_at, cash, realized_pnl, costs, cost_bps, last_price, last_bar, model_id, "
           "updated_at) VALUES (" +
           q(r.account) + ", 'USD/COP', " + num(a.position) + ", " + num(r.after.units) + ", " +
           num(a.avg_price) + ", " + opened + ", " + num(a.cash) + ", " + num(a.realized_pnl) +
           ", " + num(a.costs) + ", " + num(r.after.cost_bps) + ", " + num(a.last_price) + ", " +
           time_sql(r.bar_time) + ", " + q(r.model_id) +
           ", now()) ON CONFLICT (account, symbol) DO UPDATE SET quantity = "
           "EXCLUDED.quantity, units = EXCLUDED.units, avg_price = EXCLUDED.avg_price, "
           "opened_at = EXCLUDED.opened_at, cash = EXCLUDED.cash, realized_pnl = "
           "EXCLUDED.realized_pnl, costs = EXCLUDED.costs, cost_bps = EXCLUDED.cost_bps, "
           "last_price = EXCLUDED.last_price, last_bar = EXCLUDED.last_bar, model_id = "
           "EXCLUDED.model_id, updated_at = now();\n"
           "INSERT INTO trading.equity_snapshots (account, time, model_id, close, mode, decided, "
           "units, quantity, cash, equity, realized_pnl, unrealized_pnl, costs) VALUES (" +
           q(r.account) + ", " + time_sql(r.bar_time) + ", " + q(r.model_id) + ", " + num(r.close) +
           ", " + q(trading::mode_name(r.mode)) + ", " + (r.decided ? "true" : "false") + ", " +
           num(r.after.units) + ", " + num(a.position) + ", " + num(a.cash) + ", " +
           num(a.equity()) + ", " + num(a.realized_pnl) + ", " + num(a.unrealized_pnl()) + ", " +
           num(a.costs) + ");\n";
  }

  ConnectionPool::Lease lease_;
  pqxx::work tx_;
  std::vector<std::string> event_ids_;
  long epoch_;
  trading::OperationsMode mode_ = trading::OperationsMode::kKilled;
  std::optional<live::StoredPosition> position_;
  bool already_ = false;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<live::DecisionTransaction> PgLiveStore::begin_decision(const std::string& event_id,
                                                                       const std::string& account,
                                                                       long epoch) {
  return guard_connection("opening a decision transaction", [&] {
    return std::unique_ptr<live::DecisionTransaction>(std::make_unique<PgDecisionTransaction>(
        pool_, std::vector<std::string>{event_id}, account, epoch));
  });
}

std::unique_ptr<live::DecisionTransaction> PgLiveStore::begin_decisions(
    const std::vector<std::string>& event_ids, const std::string& account, long epoch) {
  return guard_connection("opening a decision transaction", [&] {
    return std::unique_ptr<live::DecisionTransaction>(
        std::make_unique<PgDecisionTransaction>(pool_, event_ids, account, epoch));
  });
}

}  // namespace usdcop::store
