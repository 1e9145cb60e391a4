#pragma once
// The one way application code sends a notification (spec 12): encoded by the events codec and
// queued in the caller's transaction with pg_notify, so listeners hear of it exactly when (and
// only if) the transaction commits. Within one transaction PostgreSQL folds identical payloads
// on the same channel into one delivery. The bar trigger of migration 0017 is the only other
// sender (any writer may insert bars).
#include <pqxx/pqxx>

#include "events/event.hpp"

namespace usdcop::store {

// Throws Error(invalid_input) naming the field when the event is not valid for its channel
// (events::encode), before anything reaches the database.
void notify(pqxx::transaction_base& tx, const events::Event& event);
// The same notification as an SQL expression (`pg_notify('channel', 'payload')`, quoted by
// `tx`) for a statement that does more in the same round trip (the live engine's handlers).
std::string notify_expression(pqxx::transaction_base& tx, const events::Event& event);

}  // namespace usdcop::store
