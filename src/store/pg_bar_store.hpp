#pragma once
// PostgreSQL implementation of market::BarStore over market.usdcop_m5_ohlcv, rejected_bars
// and bar_flags. Bulk writes go through COPY into a transaction-local staging table and then
// set-based SQL (identical rows counted, conflicts returned or replaced, new rows inserted),
// all in one transaction.
#include <optional>
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
  void record_rejects(const std::vector<market::RejectedBar>& rejects) override;
  long record_flags(const std::vector<market::BarFlag>& flags) override;
  // Timestamp{} .. Timestamp::max() (or min()) work as open bounds.
  std::vector<market::Bar> load_bars(Timestamp from, Timestamp to) override;
  std::optional<market::Bar> bar_before(Timestamp t) override;

  // Beyond the port: the newest stored bar, and how many bars lie in [from, to).
  std::optional<market::Bar> latest_bar();
  long count_bars(Timestamp from, Timestamp to);

 private:
  ConnectionPool& pool_;
};

}  // namespace usdcop::store
