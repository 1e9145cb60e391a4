#pragma once
// trading::OperationsModeView over trading.operations_state: reads the mode before every
// decision. Anything unreadable (no connection, no row, an unknown value) is KILLED.
#include "store/connection_pool.hpp"
#include "trading/operations_mode.hpp"

namespace usdcop::store {

class PgOperationsMode final : public trading::OperationsModeView {
 public:
  explicit PgOperationsMode(ConnectionPool& pool) : pool_(pool) {}
  trading::OperationsMode current() const noexcept override;

 private:
  ConnectionPool& pool_;
};

}  // namespace usdcop::store
