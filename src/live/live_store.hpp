#pragma once
// The live engine's persistence port (store::PgLiveStore implements it over system.watermarks,
// system.processed_events, features.inference_features_5m and the trading tables). Every write
// is a handler transaction: its output, its system.processed_events row and its watermark
// commit together, fenced by the leader epoch (spec 12, "Leader"). A transaction run with an
// epoch older than the current leader's throws DeposedLeader and writes nothing.
#include <exception>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "features/feature_builder.hpp"
#include "features/feature_row.hpp"
#include "live/shadow_session.hpp"
#include "market/bar.hpp"
#include "market/bar_store.hpp"
#include "trading/broker.hpp"
#include "trading/operations_mode.hpp"
#include "trading/risk_manager.hpp"

namespace usdcop::live {

// A write refused because another engine took the leadership since this one's epoch.
class DeposedLeader : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Watermarks {
  bool initialized = false;  // the L1 and L5 rows exist (the engine started once)
  long leader_epoch = 0;
  std::optional<Timestamp> l1;  // last bar with its feature row written by L1
  std::string l1_state;         // FeatureBuilder::serialize() after l1
  std::optional<Timestamp> l5;  // last bar decided by L5
};

// L1's output for one bar.
struct FeatureCommit {
  std::string event_id;  // "new_ohlcv_bar:<bar time>"
  features::FeatureRow row;
  std::string builder_state;  // after folding the bar
};

// One order and its fill (the paper broker fills market orders at once).
struct OrderRecord {
  std::string source = "engine";  // engine | kill_switch | flatten
  std::string reason;             // trading::exit_reason_name
  double target_units = 0;        // position after, signal units
  trading::Fill fill;
};

// The account after a bar: trading.positions and trading.equity_snapshots.
struct AccountRecord {
  trading::AccountState account;
  double units = 0;  // signal units
  double cost_bps = 0;
};

// Everything one L5 transaction writes for one bar.
struct DecisionRecord {
  std::string account;
  std::string model_id;
  Timestamp bar_time{};
  double close = 0;
  trading::OperationsMode mode = trading::OperationsMode::kNormal;
  bool decided = false;  // a complete feature row: a row in trading.model_inferences
  double action = 0;
  int signal = 0;
  std::string observation_json;  // the normalized observation fed to the policy
  double latency_us = 0;
  double position_before = 0, position_after = 0;
  std::string rule;  // position rule or risk veto that changed the target ("" when none)
  std::optional<OrderRecord> order;
  AccountRecord after;
  std::vector<trading::RiskEvent> risk_events;
  std::vector<ShadowDecision> shadows;  // staging models' decisions (role 'shadow')
};

struct StoredPosition {
  double quantity = 0, units = 0, avg_price = 0, cash = 0;
  std::optional<Timestamp> last_bar;
};

// The L5 transaction: opened before the decision so that the decision reads the operations
// mode FOR SHARE inside it (a kill waits for it and no order commits after a kill).
class DecisionTransaction {
 public:
  virtual ~DecisionTransaction() = default;
  // The event was processed before (another delivery): nothing to do, nothing is written.
  virtual bool already_processed() const = 0;
  // The mode read FOR SHARE (KILLED when unreadable).
  virtual trading::OperationsMode mode() const = 0;
  // The account's stored position as this transaction sees it (after any kill or flatten that
  // committed before it): the engine compares it with its own.
  virtual std::optional<StoredPosition> stored_position() const = 0;
  // Writes the record, the processed_events row and the L5 watermark, then commits.
  virtual void commit(const DecisionRecord& record) = 0;
  // A transaction opened for several events (LiveStore::begin_decisions): one record per
  // event, in their order; the watermark moves once, to the last bar. Fewer records than
  // events (a batch ended early): the events without a record are released, not processed.
  virtual void commit_batch(const std::vector<DecisionRecord>& records) = 0;
};

// A decided bar as stored, for rebuilding the engine state after a restart.
struct StoredBar {
  Timestamp time{};
  std::string model_id;
  double close = 0;
  trading::OperationsMode mode = trading::OperationsMode::kNormal;
  bool decided = false;
  int signal = 0;
};

struct StoredFill {
  Timestamp time{};
  std::string source;  // engine | kill_switch | flatten
  std::string reason;
  double quantity = 0, price = 0, cost = 0, position_after = 0;
};

// The feature builder checkpoint of `features build`, usable when the stored bars and macro
// data it was built from are unchanged.
struct FeatureBootstrap {
  Timestamp last_bar{};
  std::string state;
};

// An event whose handler failed after its retries (system.dead_letter_queue).
struct DeadLetter {
  std::string event_id, handler, channel;
  Timestamp bar_time{};
  std::string error;
  int attempts = 0;
};

struct DeadLetterState {
  long id = 0;
  std::string status;  // pending | exhausted | resolved
  int attempts = 0;
  bool due = false;  // pending and its next retry time has come
};

// Something an operator must hear of (spec 08: routed from usdcop_alerts): a model reload that
// failed, a reconciliation difference. Recorded in the audit log and notified.
struct LiveAlert {
  std::string event;     // "model_load_failed", "reconciliation_mismatch", ...
  std::string severity;  // "P1", "warning", ...
  std::string title;
  nlohmann::json fields = nlohmann::json::object();
};

// A stored bar whose values changed after it was written (market.bar_revisions, migration
// 0025: recorded by a trigger on every UPDATE of a bar, e.g. `ingest csv --replace`), not yet
// handled by L1.
struct BarRevision {
  long id = 0;
  Timestamp time{};
};

// What L1 commits for pending revisions (spec 12 "Revisions and order"), in one fenced
// transaction: the rebuilt feature rows (from the earliest revised bar up to the L1 watermark;
// empty when no revised bar had a row yet), the builder state after the watermark, the
// revisions marked handled, and for each revised bar L5 had decided a risk event
// `revised_after_decision` (the decision itself is never changed).
struct RevisionCommit {
  std::vector<BarRevision> revisions;
  std::vector<features::FeatureRow> rows;
  std::optional<Timestamp> l1;  // the L1 watermark (rows and state belong to it)
  std::string builder_state;    // after l1; empty when rows is empty
  std::optional<Timestamp> l5;  // bars at or before it were decided
  std::string account, model_id;
};

class LiveStore {
 public:
  virtual ~LiveStore() = default;
  // Whether `e` (escaping a method below) means the database was lost or unavailable, not that
  // the event is bad: the engine then retries later instead of dead-lettering the event.
  virtual bool lost_database(const std::exception& e) const = 0;

  // Raises the leader epoch and records `holder`; returns the new epoch.
  virtual long claim_leader_epoch(const std::string& holder) = 0;
  virtual Watermarks watermarks() = 0;
  // First start: creates the L1 and L5 rows (no-op when they exist).
  virtual void initialize_watermarks(std::optional<Timestamp> l1, const std::string& l1_state,
                                     std::optional<Timestamp> l5) = 0;
  virtual std::optional<FeatureBootstrap> feature_bootstrap() = 0;
  virtual std::optional<Timestamp> newest_bar() = 0;
  // Changes whenever the macro observations or their flags change (L1 reloads them then).
  virtual std::string macro_version() = 0;

  // Stored bars with time > after, oldest first, at most `limit`.
  virtual std::vector<market::Bar> bars_after(std::optional<Timestamp> after,
                                              std::size_t limit) = 0;
  virtual std::optional<market::Bar> bar_at(Timestamp t) = 0;
  // When the bar at `t` was stored (its row's ingested_at), if the last bars_after loaded it:
  // the start of the e2e latency metric. No query of its own.
  virtual std::optional<Timestamp> stored_at(Timestamp t) const {
    (void)t;
    return std::nullopt;
  }
  virtual std::optional<features::FeatureRow> feature_row(Timestamp t) = 0;
  // The import's flags of the bars with from <= time < to (market.bar_flags): the price
  // collar's input.
  virtual std::vector<market::BarFlag> bar_flags(Timestamp from, Timestamp to) = 0;

  // L1: false when the event was processed before (nothing written).
  virtual bool commit_features(const FeatureCommit& commit, long epoch) = 0;
  // Revisions not handled yet, oldest bar first (pg_bar_revisions.cpp).
  virtual std::vector<BarRevision> pending_revisions() = 0;
  // Every stored bar with time <= last, oldest first: the history an L1 rebuild refolds.
  virtual std::vector<market::Bar> bars_through(Timestamp last) = 0;
  // Throws DeposedLeader when the epoch or the L1 watermark moved meanwhile.
  virtual void commit_revisions(const RevisionCommit& commit, long epoch) = 0;
  // L5: the transaction for one event.
  virtual std::unique_ptr<DecisionTransaction> begin_decision(const std::string& event_id,
                                                              const std::string& account,
                                                              long epoch) = 0;
  // A catch-up behind by several bars (oldest first): L1 of all of them in one transaction
  // (each bar its row and its processed event, the watermark and builder state once, after the
  // last one); false when any of the events was processed before (nothing written).
  virtual bool commit_features_batch(const std::vector<FeatureCommit>& commits, long epoch) = 0;
  // L5 of several bars in one transaction: the fence, the operations mode FOR SHARE and the
  // position read once for all of them (a kill waits for the whole batch), one processed event
  // per bar. already_processed() when any of them was.
  virtual std::unique_ptr<DecisionTransaction> begin_decisions(
      const std::vector<std::string>& event_ids, const std::string& account, long epoch) = 0;

  // Dead letters (spec 06): recorded pending with its first retry in 60 s; trading is paused
  // (audited) and a P1 alert is sent. Returns the row id.
  virtual long dead_letter(const DeadLetter& letter) = 0;
  virtual std::optional<DeadLetterState> dead_letter_state(long id) = 0;
  // A scheduled retry failed: the next one at 300 s, then 900 s, then exhausted.
  virtual void dead_letter_retry_failed(long id, const std::string& error) = 0;
  virtual void dead_letter_resolved(long id, const std::string& by, const std::string& how) = 0;

  // Restart: what the engine did for `account`, oldest first.
  virtual std::vector<StoredBar> decided_bars(const std::string& account) = 0;
  virtual std::vector<StoredFill> fills(const std::string& account) = 0;
  // A shadow model's stored signals for the account's bars, by bar time.
  virtual std::map<Timestamp, int> shadow_signals(const std::string& account,
                                                  const std::string& model_id) = 0;
  virtual std::optional<StoredPosition> position(const std::string& account) = 0;

  // An audit row (actor live-engine, action "live.<event>") and a usdcop_alerts notification,
  // committed together.
  virtual void alert(const LiveAlert& alert) = 0;
  // Holds new entries durably: the operations mode becomes PAUSED (actor live-engine,
  // audited, notified) unless it is KILLED. An operator's `ops resume` releases it.
  virtual void hold_entries(const std::string& reason, const nlohmann::json& details) = 0;
};

}  // namespace usdcop::live
