#include "store/pg_operations_mode.hpp"

#include <pqxx/pqxx>

namespace usdcop::store {

trading::OperationsMode PgOperationsMode::current() const noexcept {
  try {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    const auto r = tx.exec("SELECT mode FROM trading.operations_state WHERE id = 1");
    if (r.size() != 1 || r[0][0].is_null()) return trading::OperationsMode::kKilled;
    return trading::parse_operations_mode(r[0][0].c_str())
        .value_or(trading::OperationsMode::kKilled);
  } catch (...) {
    return trading::OperationsMode::kKilled;  // fail closed
  }
}

}  // namespace usdcop::store
