#include "store/notify.hpp"

#include "events/codec.hpp"

namespace usdcop::store {

void notify(pqxx::transaction_base& tx, const events::Event& event) {
  const std::string payload = events::encode(event);
  tx.exec_params("SELECT pg_notify($1, $2)", events::channel_name(events::channel_of(event)),
                 payload);
}

}  // namespace usdcop::store
