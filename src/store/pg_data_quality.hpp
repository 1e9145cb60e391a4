#pragma once
// PostgreSQL implementation of market::DataQualitySource (the queries behind `data check`).
#include "market/data_check.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

class PgDataQuality : public market::DataQualitySource {
 public:
  explicit PgDataQuality(ConnectionPool& pool) : pool_(pool) {}
  std::vector<market::DayBarCount> bar_counts_by_day(Timestamp from, Timestamp to) override;
  std::map<std::string, long> rejected_by_reason(Timestamp from, Timestamp to) override;
  std::vector<market::BarFlag> bar_flags(Timestamp from, Timestamp to) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace usdcop::store
