#pragma once
// live::LiveStore over PostgreSQL (migration 0018): system.watermarks (leader epoch, L1/L5
// watermarks, the L1 builder state), system.processed_events, features.inference_features_5m
// and the paper account's trading.* tables. Each handler transaction first reads the leader row
// FOR SHARE (a new leader's epoch update waits for it and fences everything after), then
// records its processed event, its output and its watermark (compare-and-set), in one commit.
#include <map>
#include <pqxx/result>
#include <pqxx/transaction_base>
#include <string>

#include "live/live_store.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

// What `usdcop engine`'s /health and /metrics read from the database at each request.
struct LiveProbe {
  std::optional<trading::OperationsMode> mode;  // nullopt: no row (the engine acts as KILLED)
  std::map<std::string, long> dead_letters;     // by status
};

class PgLiveStore final : public live::LiveStore {
 public:
  explicit PgLiveStore(ConnectionPool& pool) : pool_(pool) {}

  bool lost_database(const std::exception& e) const override;  // a dependency failure
  long claim_leader_epoch(const std::string& holder) override;
  live::Watermarks watermarks() override;
  void initialize_watermarks(std::optional<Timestamp> l1, const std::string& l1_state,
                             std::optional<Timestamp> l5) override;
  std::optional<live::FeatureBootstrap> feature_bootstrap() override;
  std::optional<Timestamp> newest_bar() override;
  std::string macro_version() override;

  std::vector<market::Bar> bars_after(std::optional<Timestamp> after, std::size_t limit) override;
  std::optional<market::Bar> bar_at(Timestamp t) override;
  std::optional<Timestamp> stored_at(Timestamp t) const override;
  std::optional<features::FeatureRow> feature_row(Timestamp t) override;

  bool commit_features(const live::FeatureCommit& commit, long epoch) override;
  std::vector<live::BarRevision> pending_revisions() override;     // pg_bar_revisions.cpp
  std::vector<market::Bar> bars_through(Timestamp last) override;  // idem
  void commit_revisions(const live::RevisionCommit& commit, long epoch) override;  // idem
  std::unique_ptr<live::DecisionTransaction> begin_decision(const std::string& event_id,
                                                            const std::string& account,
                                                            long epoch) override;
  bool commit_features_batch(const std::vector<live::FeatureCommit>& commits, long epoch) override;
  std::unique_ptr<live::DecisionTransaction> begin_decisions(
      const std::vector<std::string>& event_ids, const std::string& account, long epoch) override;

  long dead_letter(const live::DeadLetter& letter) override;
  std::optional<live::DeadLetterState> dead_letter_state(long id) override;
  void dead_letter_retry_failed(long id, const std::string& error) override;
  void dead_letter_resolved(long id, const std::string& by, const std::string& how) override;

  std::vector<live::StoredBar> decided_bars(const std::string& account) override;
  std::vector<live::StoredFill> fills(const std::string& account) override;
  std::map<Timestamp, int> shadow_signals(const std::string& account,
                                          const std::string& model_id) override;
  std::optional<live::StoredPosition> position(const std::string& account) override;

  void alert(const live::LiveAlert& alert) override;  // pg_live_alerts.cpp
  std::vector<market::BarFlag> bar_flags(Timestamp from, Timestamp to) override;         // idem
  void hold_entries(const std::string& reason, const nlohmann::json& details) override;  // idem

  // One query; throws Error(unavailable) when the database cannot be reached. Thread-safe
  // (pool only), unlike the handler methods.
  LiveProbe probe();

 private:
  ConnectionPool& pool_;
  std::map<Timestamp, Timestamp> stored_at_;  // ingested_at of the bars bars_after loaded
  struct LoadedFlags {
    Timestamp from{}, to{};  // the last bars_after's range [first bar, last bar + 5 min)
    std::vector<market::BarFlag> flags;
  };
  std::optional<LoadedFlags> loaded_flags_;
};

// In a handler transaction: locks the leader row FOR SHARE and throws live::DeposedLeader when
// its epoch is not `epoch`.
void fence_leader_epoch(pqxx::transaction_base& tx, long epoch);
// Throws live::DeposedLeader when the leader row's epoch `current` is not `epoch`.
void check_leader_epoch(long current, long epoch);
// The fence and the processed_events row in one statement (a handler's first round trip):
// throws live::DeposedLeader on another epoch; false when the event was processed before.
bool claim_event(pqxx::transaction_base& tx, const std::string& event_id,
                 const std::string& handler, long epoch);
// The same for several events in one statement: true when every one of them was new.
bool claim_events(pqxx::transaction_base& tx, const std::vector<std::string>& event_ids,
                  const std::string& handler, long epoch);
// "(VALUES ('a'), ('b')) AS e(id)": the event ids as a relation, for a handler's claim.
std::string event_ids_relation(pqxx::transaction_base& tx,
                               const std::vector<std::string>& event_ids);
// Advances watermark `name` to `value` from an older value (compare-and-set), recording the
// epoch (and the L1 builder state); throws live::DeposedLeader when it moved meanwhile.
void advance_watermark(pqxx::transaction_base& tx, const std::string& name, Timestamp value,
                       long epoch, const std::string* state = nullptr);
// advance_watermark's statement, for a batch; its result's first column is 1 when the watermark
// moved (check_watermark_advanced). `notifications` (store::notify_expression) are queued by
// the same statement.
std::string watermark_statement(pqxx::transaction_base& tx, const std::string& name,
                                Timestamp value, long epoch, const std::string* state,
                                const std::vector<std::string>& notifications);
void check_watermark_advanced(const pqxx::result& r, const std::string& name, Timestamp value);

}  // namespace usdcop::store
