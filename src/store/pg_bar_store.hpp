#pragma once
// PostgreSQL implementation of market::BarStore over market.usdcop_m5_ohlcv, rejected_bars
// and bar_flags. Bulk writes go through COPY into a transaction-local staging table and then
// set-based SQL (identical rows counted, conflicts returned or replaced, new rows inserted),
// all in one transaction.
#include <memory>
#include <optional>
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "market/bar_store.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

class PgBarStore final : public market::BarStore {
 public:
  explicit PgBarStore(ConnectionPool& pool) : pool_(pool) {}

  // `bars` must have unique times (std::invalid_argument otherwise); any order. Conflicts are
  // the incoming bars whose stored values differ (kept as stored unless replace), by time.
  market::BarWriteResult write_bars(const std::vector<market::Bar>& bars, const std::string& source,
                                    bool replace) override;
  market::BarImportWrite write_import(market::BarImportBatch& batch,
                                      const CompleteImport& complete) override;
  // Timestamp{} .. Timestamp::max() (or min()) work as open bounds.
  std::vector<market::Bar> load_bars(Timestamp from, Timestamp to) override;
  std::optional<market::Bar> bar_before(Timestamp t) override;

  // Beyond the port: the newest stored bar, and how many bars lie in [from, to).
  std::optional<market::Bar> latest_bar();
  long count_bars(Timestamp from, Timestamp to);

 private:
  ConnectionPool& pool_;
};

// One consistent view of market.usdcop_m5_ohlcv (a REPEATABLE READ, read-only transaction held
// on a leased connection for the object's lifetime). `features build` loads its bars and
// fingerprints them through it, so its checkpoint describes exactly the bars it folded: bars
// committed meanwhile change the next build's fingerprint and are built then.
class BarSnapshot {
 public:
  explicit BarSnapshot(ConnectionPool& pool);
  ~BarSnapshot();
  BarSnapshot(const BarSnapshot&) = delete;
  BarSnapshot& operator=(const BarSnapshot&) = delete;

  std::vector<market::Bar> load_bars(Timestamp from, Timestamp to);
  // Bars with time <= last_bar: "count|max(ingested_at)|min(time)"; a bar inserted before
  // last_bar or replaced changes it.
  std::string bars_fingerprint(Timestamp last_bar);

 private:
  ConnectionPool::Lease lease_;
  std::unique_ptr<pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>> tx_;
};

// The same fingerprint in any transaction (PgFeatureStore::bars_fingerprint uses it).
std::string bars_fingerprint_in(pqxx::transaction_base& tx, Timestamp last_bar);

}  // namespace usdcop::store
