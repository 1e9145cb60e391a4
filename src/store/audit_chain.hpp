#pragma once
// The tamper-evident audit log (spec 12): each system.audit_log row carries the hash of the row
// before it (prev_hash) and its own (row_hash = sha256 of the row's canonical JSON, which
// includes prev_hash), so changing, deleting or inserting a row anywhere but at the end breaks
// the chain from that row on. Rows are chained by store::append_audit under a transaction-level
// advisory lock; `usdcop audit verify` recomputes the chain.
// Hash input: core's canonical JSON (spec 12, docs/CANONICAL_JSON.md).
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "core/canonical_json.hpp"
#include "core/time.hpp"
#include "models/audit_entry.hpp"

namespace usdcop::store {

// The hash input of a row: {"action", "actor", "at" (RFC 3339, microseconds), "details",
// "from_state", "id", "object_id", "object_type", "prev_hash", "reason", "request_id", "role",
// "to_state"}; empty text is null. prev_hash is "" for the first chained row.
std::string audit_row_canonical(const models::AuditEntry& e, const std::string& prev_hash);
std::string audit_row_hash(const models::AuditEntry& e, const std::string& prev_hash);

struct ChainVerification {
  long rows = 0;       // rows read
  long unchained = 0;  // rows written before migration 0014 (no hash), at the start only
  long verified = 0;   // chained rows whose hash and link are right
  std::optional<long> first_broken_id;
  std::string why;        // what is wrong with that row
  std::string head_hash;  // row_hash of the last row
};

// Reads every row in id order and recomputes the chain; stops at the first broken row.
ChainVerification verify_audit_chain(pqxx::transaction_base& tx);

// Locks the chain for this transaction and returns the id, the transaction time (the row's
// `at`) and the previous row hash for the next row.
struct ChainSlot {
  long id = 0;
  Timestamp at{};
  std::string prev_hash;
};
ChainSlot next_audit_slot(pqxx::transaction_base& tx);

}  // namespace usdcop::store
