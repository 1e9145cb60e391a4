#pragma once
// Row mapping shared by the registry repositories (PgModelRegistry, PgPromotions,
// PgAuditLog, PgOperationsControl): column lists, row -> record, and the audit insert that
// every state change runs in its own transaction.
#include <pqxx/pqxx>
#include <string>

#include "models/audit_entry.hpp"
#include "models/model.hpp"
#include "models/promotion_request.hpp"

namespace usdcop::store {

extern const std::string kModelColumns;     // of ml.model_registry (unqualified)
extern const std::string kBacktestColumns;  // of ml.backtest_results
extern const std::string kRequestColumns;   // of ml.promotion_requests
extern const std::string kAuditColumns;     // of system.audit_log

models::ModelRecord model_from_row(const pqxx::row& r);
models::BacktestSummary backtest_from_row(const pqxx::row& r);
models::PromotionRequest request_from_row(const pqxx::row& r);
models::AuditEntry audit_from_row(const pqxx::row& r);

// Appends one system.audit_log row in tx (its `at` is the transaction's now()), chained to the
// row before it (store/audit_chain.hpp): the only way rows should be written. The chain lock is
// held until tx ends, so audited transactions are serialized; tx must be READ COMMITTED.
void append_audit(pqxx::transaction_base& tx, const models::AuditEntry& e);

// Error(not_found) naming the model when absent; `for_update` locks the row.
models::ModelRecord load_model(pqxx::transaction_base& tx, const std::string& model_id,
                               bool for_update = false);

// NULL-aware text of a field.
std::string text_of(const pqxx::field& f);

}  // namespace usdcop::store
