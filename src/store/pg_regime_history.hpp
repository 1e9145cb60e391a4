#pragma once
// PostgreSQL implementation of liquidity::RegimeHistory (liq.regime_history and
// liq.regime_alerts, migration 0011).
#include "liquidity/regime_history.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

class PgRegimeHistory final : public liquidity::RegimeHistory {
 public:
  explicit PgRegimeHistory(ConnectionPool& pool) : pool_(pool) {}
  liquidity::HistoryWriteResult replace(const std::vector<liquidity::RegimeDay>& days) override;
  std::optional<liquidity::StoredRegimeDay> latest() override;
  std::optional<liquidity::StoredRegimeDay> at(Date date) override;
  std::vector<liquidity::StoredRegimeDay> range(Date from, Date to) override;

 private:
  std::vector<liquidity::StoredRegimeDay> select(const std::string& where_order_limit,
                                                 const std::string& a, const std::string& b);
  ConnectionPool& pool_;
};

}  // namespace usdcop::store
