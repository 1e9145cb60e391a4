#include "store/notify.hpp"

#include "events/codec.hpp"
#include "store/pg_copy.hpp"

namespace usdcop::store {

void notify(pqxx::transaction_base& tx, const events::Event& event) {
  const std::string payload = events::encode(event);
  tx.exec_params("SELECT pg_notify($1, $2)", events::channel_name(events::channel_of(event)),
                 payload);
}

std::string notify_expression(pqxx::transaction_base& tx, const events::Event& event) {
  const std::string payload = events::encode(event);
  std::string sql = "pg_notify(";
  sql += sql_literal(tx, events::channel_name(events::channel_of(event)));
  sql += ", ";
  sql += sql_literal(tx, payload);
  sql += ')';
  return sql;
}

}  // namespace usdcop::store
