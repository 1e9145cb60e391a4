// The L5 handler transaction of store::PgLiveStore: fence, operations mode FOR SHARE, processed
// event, then (at commit) the decision, order and fill, position, equity snapshot, risk events
// and the L5 watermark, all in one commit.
#include <cmath>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

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

class PgDecisionTransaction final : public live::DecisionTransaction {
 public:
  PgDecisionTransaction(ConnectionPool& pool, std::string event_id, const std::string& account,
                        long epoch)
      : lease_(pool.acquire()),
        tx_(*lease_, "l5_decision"),
        event_id_(std::move(event_id)),
        epoch_(epoch) {
    fence_leader_epoch(tx_, epoch_);
    // FOR SHARE: a kill (UPDATE of this row) waits for this decision to commit, and every
    // decision after the kill reads KILLED. Unreadable means KILLED (fail closed).
    const auto m = tx_.exec("SELECT mode FROM trading.operations_state WHERE id = 1 FOR SHARE");
    if (m.size() == 1 && !m[0][0].is_null())
      mode_ = trading::parse_operations_mode(m[0][0].c_str())
                  .value_or(trading::OperationsMode::kKilled);
    const auto fresh = tx_.exec_params(
        "INSERT INTO system.processed_events (event_id, handler, epoch) VALUES ($1, 'L5', $2) "
        "ON CONFLICT DO NOTHING",
        event_id_, epoch_);
    already_ = fresh.affected_rows() == 0;
    const auto p =
        tx_.exec_params("SELECT quantity, units, avg_price, cash, " + sql_micros_of("last_bar") +
                            " FROM trading.positions WHERE account = $1 AND symbol = "
                            "'USD/COP'",
                        account);
    if (!p.empty()) {
      live::StoredPosition s;
      s.quantity = parse_double(p[0][0].c_str());
      s.units = parse_double(p[0][1].c_str());
      s.avg_price = parse_double(p[0][2].c_str());
      s.cash = parse_double(p[0][3].c_str());
      if (!p[0][4].is_null()) s.last_bar = from_micros(p[0][4].as<int64_t>());
      position_ = s;
    }
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

  void commit(const live::DecisionRecord& r) override {
    if (already_) throw std::logic_error("DecisionTransaction::commit of a processed event");
    guard_connection("committing a decision", [&] {
      if (r.decided) write_inference(r);
      for (const auto& shadow : r.shadows) write_shadow(r, shadow);
      if (r.order) write_order(r);
      write_account(r);
      for (const auto& e : r.risk_events) {
        tx_.exec_params(
            "INSERT INTO trading.risk_events (time, model_id, rule, action, details, "
            "source, account, event_id) VALUES (" +
                time_sql(e.time) + ", $1, $2, $3, $4::jsonb, 'live', $5, $6)",
            r.model_id, e.rule, e.action, e.details.dump(), r.account, event_id_);
      }
      advance_watermark(tx_, "L5", r.bar_time, epoch_);
      if (r.decided)
        notify(tx_, events::NewSignal{r.bar_time, r.model_id,
                                      static_cast<trading::Signal>(r.signal), false});
      tx_.commit();
      done_ = true;
    });
  }

 private:
  void write_inference(const live::DecisionRecord& r) {
    tx_.exec_params(
        "INSERT INTO trading.model_inferences (time, model_id, role, observation_hash, action, "
        "signal, latency_us, account, event_id, observation, mode, position_before, "
        "position_after, rule) VALUES (" +
            time_sql(r.bar_time) + ", $1, 'production', $2, " + num(r.action) + ", $3, " +
            num(r.latency_us) + ", $4, $5, $6::jsonb, $7, " + num(r.position_before) + ", " +
            num(r.position_after) + ", NULLIF($8, ''))",
        r.model_id, sha256_hex(r.observation_json), r.signal, r.account, event_id_,
        r.observation_json.empty() ? std::string("null") : r.observation_json,
        trading::mode_name(r.mode), r.rule);
  }

  void write_shadow(const live::DecisionRecord& r, const live::ShadowDecision& d) {
    tx_.exec_params(
        "INSERT INTO trading.model_inferences (time, model_id, role, observation_hash, action, "
        "signal, latency_us, account, event_id, observation, mode, position_before, "
        "position_after) VALUES (" +
            time_sql(r.bar_time) + ", $1, 'shadow', $2, " + num(d.action) + ", $3, " +
            num(d.latency_us) + ", $4, $5, $6::jsonb, 'NORMAL', " + num(d.position_before) + ", " +
            num(d.position_after) + ")",
        d.model_id, sha256_hex(d.observation_json), d.signal, r.account, event_id_,
        d.observation_json);
    notify(tx_,
           events::NewSignal{r.bar_time, d.model_id, static_cast<trading::Signal>(d.signal), true});
  }

  void write_order(const live::DecisionRecord& r) {
    const auto& o = *r.order;
    const auto id = tx_.exec_params(
        "INSERT INTO trading.orders (account, model_id, bar_time, source, side, quantity, "
        "target_units, reason, event_id) VALUES ($1, $2, " +
            time_sql(r.bar_time) + ", $3, $4, " + num(o.fill.quantity) + ", " +
            num(o.target_units) + ", $5, $6) RETURNING id",
        r.account, r.model_id, o.source, o.fill.quantity > 0 ? "buy" : "sell", o.reason, event_id_);
    tx_.exec_params(
        "INSERT INTO trading.fills (order_id, account, time, quantity, price, cost, "
        "position_after, reason) VALUES ($1, $2, " +
            time_sql(o.fill.time) + ", " + num(o.fill.quantity) + ", " + num(o.fill.price) + ", " +
            num(o.fill.cost) + ", " + num(o.fill.position_after) + ", $3)",
        id[0][0].as<long>(), r.account, o.reason);
  }

  void write_account(const live::DecisionRecord& r) {
    const auto& a = r.after.account;
    const std::string opened = a.position != 0 ? time_sql(a.opened_at) : std::string("NULL");
    tx_.exec_params(
        "INSERT INTO trading.positions (account, symbol, quantity, units, avg_price, opened_at, "
        "cash, realized_pnl, costs, cost_bps, last_price, last_bar, model_id, updated_at) "
        "VALUES ($1, 'USD/COP', " +
            num(a.position) + ", " + num(r.after.units) + ", " + num(a.avg_price) + ", " + opened +
            ", " + num(a.cash) + ", " + num(a.realized_pnl) + ", " + num(a.costs) + ", " +
            num(r.after.cost_bps) + ", " + num(a.last_price) + ", " + time_sql(r.bar_time) +
            ", $2, now()) ON CONFLICT (account, symbol) DO UPDATE SET quantity = "
            "EXCLUDED.quantity, units = EXCLUDED.units, avg_price = EXCLUDED.avg_price, "
            "opened_at = EXCLUDED.opened_at, cash = EXCLUDED.cash, realized_pnl = "
            "EXCLUDED.realized_pnl, costs = EXCLUDED.costs, cost_bps = EXCLUDED.cost_bps, "
            "last_price = EXCLUDED.last_price, last_bar = EXCLUDED.last_bar, model_id = "
            "EXCLUDED.model_id, updated_at = now()",
        r.account, r.model_id);
    tx_.exec_params(
        "INSERT INTO trading.equity_snapshots (account, time, model_id, close, mode, decided, "
        "units, quantity, cash, equity, realized_pnl, unrealized_pnl, costs) VALUES ($1, " +
            time_sql(r.bar_time) + ", $2, " + num(r.close) + ", $3, $4, " + num(r.after.units) +
            ", " + num(a.position) + ", " + num(a.cash) + ", " + num(a.equity()) + ", " +
            num(a.realized_pnl) + ", " + num(a.unrealized_pnl()) + ", " + num(a.costs) + ")",
        r.account, r.model_id, trading::mode_name(r.mode), r.decided);
  }

  ConnectionPool::Lease lease_;
  pqxx::work tx_;
  std::string event_id_;
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
    return std::unique_ptr<live::DecisionTransaction>(
        std::make_unique<PgDecisionTransaction>(pool_, event_id, account, epoch));
  });
}

}  // namespace usdcop::store
