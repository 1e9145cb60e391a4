#pragma once
// PostgreSQL implementation of features::FeatureStore over features.inference_features_5m and
// features.builder_state, plus what `usdcop features build` needs beyond the port: input
// fingerprints (to know whether a checkpoint may be resumed) and the single-writer lock.
#include <optional>
#include <pqxx/transaction_base>
#include <span>
#include <string>
#include <vector>

#include "features/feature_store.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

struct FeatureWriteResult {
  long inserted = 0;
  long updated = 0;    // same time, different values
  long unchanged = 0;  // identical: not rewritten
};

class PgFeatureStore final : public features::FeatureStore {
 public:
  explicit PgFeatureStore(ConnectionPool& pool) : pool_(pool) {}

  // Bulk COPY into a staging table, then one set-based upsert in one transaction. Rows whose
  // values are unchanged are not rewritten; when rows were inserted or changed, one
  // NOTIFY new_features {"time": newest changed, "complete": its flag, "rows": n} is sent.
  void upsert(std::span<const features::FeatureRow> rows) override;
  FeatureWriteResult write(std::span<const features::FeatureRow> rows);
  std::vector<features::FeatureRow> load(Timestamp from, Timestamp to) const override;
  std::optional<features::FeatureRow> at(Timestamp t) const;
  // The newest stored row (complete or not), if any.
  std::optional<features::FeatureRow> latest() const;
  long count(Timestamp from, Timestamp to) const;

  std::optional<features::BuilderCheckpoint> load_checkpoint() const override;
  void save_checkpoint(const features::BuilderCheckpoint& checkpoint) override;
  void clear_checkpoint();

  // Stored bars with time <= last_bar: "count|max(ingested_at)|min(time)". A bar inserted
  // before last_bar or replaced changes it.
  std::string bars_fingerprint(Timestamp last_bar) const;
  // Macro observations of the feature variables and their open flags (accepting or adding a
  // flag changes it).
  std::string macro_fingerprint() const;

 private:
  ConnectionPool& pool_;
};

// One row upserted inside the caller's transaction (the live engine's L1 handler writes it with
// its processed event and watermark). Unchanged values are not rewritten. Returns whether the
// row was inserted or changed.
bool upsert_feature_row_in(pqxx::transaction_base& tx, const features::FeatureRow& row);
// The statement of upsert_feature_row_in (values inline), to send in a batch with others.
std::string upsert_feature_row_sql(pqxx::transaction_base& tx, const features::FeatureRow& row);

// The single-writer guard of features.inference_features_5m: a session-level advisory lock
// held on a leased connection for the lifetime of this object. Session locks need a direct
// connection (not PgBouncer in transaction mode).
class FeatureWriterLock {
 public:
  // Throws Error(conflict) "another features build is running" when the lock is held.
  explicit FeatureWriterLock(ConnectionPool& pool);
  ~FeatureWriterLock();
  FeatureWriterLock(const FeatureWriterLock&) = delete;
  FeatureWriterLock& operator=(const FeatureWriterLock&) = delete;

 private:
  ConnectionPool::Lease lease_;
};

}  // namespace usdcop::store
