#include "store/audit_chain.hpp"

#include <cmath>

#include "core/canonical_json.hpp"
#include "core/sha256.hpp"
#include "store/pg_registry_rows.hpp"

namespace usdcop::store {

namespace {

nlohmann::json text_or_null(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

// RFC 3339 with exactly six fraction digits, so the text does not depend on the value.
std::string micro_time(Timestamp t) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const auto micros = (t - secs).count();
  std::string base = format_rfc3339(secs);  // "...:SSZ"
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(micros));
  base.insert(base.size() - 1, frac);
  return base;
}

constexpr long long kChainLockKey = 0x75736463'61756474;  // "usdcaudt"

}  // namespace

std::string audit_row_canonical(const models::AuditEntry& e, const std::string& prev_hash) {
  nlohmann::json row = {{"id", e.id},
                        {"at", micro_time(e.at)},
                        {"actor", e.actor},
                        {"role", text_or_null(e.role)},
                        {"action", e.action},
                        {"object_type", text_or_null(e.object_type)},
                        {"object_id", text_or_null(e.object_id)},
                        {"from_state", text_or_null(e.from_state)},
                        {"to_state", text_or_null(e.to_state)},
                        {"reason", text_or_null(e.reason)},
                        {"details", e.details.is_null() ? nlohmann::json::object() : e.details},
                        {"request_id", text_or_null(e.request_id)},
                        {"prev_hash", prev_hash}};
  return canonical_json(row);
}

std::string audit_row_hash(const models::AuditEntry& e, const std::string& prev_hash) {
  return sha256_hex(audit_row_canonical(e, prev_hash));
}

ChainSlot next_audit_slot(pqxx::transaction_base& tx) {
  tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kChainLockKey) + ")");
  ChainSlot slot;
  const auto last =
      tx.exec("SELECT coalesce(row_hash, '') FROM system.audit_log ORDER BY id DESC LIMIT 1");
  if (!last.empty()) slot.prev_hash = last[0][0].as<std::string>();
  const auto r = tx.exec1(
      "SELECT nextval(pg_get_serial_sequence('system.audit_log', 'id')), (extract(epoch FROM "
      "now()) * 1000000)::bigint");
  slot.id = r[0].as<long>();
  slot.at = Timestamp(std::chrono::microseconds(r[1].as<long long>()));
  return slot;
}

ChainVerification verify_audit_chain(pqxx::transaction_base& tx) {
  ChainVerification v;
  std::string prev;
  bool chained = false;
  pqxx::result rows = tx.exec(
      "SELECT " + kAuditColumns +
      ", coalesce(prev_hash, ''), coalesce(row_hash, '') FROM system.audit_log ORDER BY id");
  for (const auto& r : rows) {
    ++v.rows;
    models::AuditEntry e = audit_from_row(r);
    const std::string stored_prev = r[r.size() - 2].as<std::string>();
    const std::string stored_hash = r[r.size() - 1].as<std::string>();
    auto broken = [&](const std::string& why) {
      v.first_broken_id = e.id;
      v.why = why;
    };
    if (stored_hash.empty()) {
      if (!chained) {
        ++v.unchained;
        continue;
      }
      broken("row has no hash: it was written outside the audit writer after the chain began");
      return v;
    }
    if (chained && stored_prev != prev) {
      broken(
          "prev_hash does not match the hash of the row before it (a row was changed, "
          "deleted or inserted before this one)");
      return v;
    }
    if (!chained && !stored_prev.empty()) {
      broken("the first row points to a previous row that no longer exists (rows were deleted)");
      return v;
    }
    if (audit_row_hash(e, stored_prev) != stored_hash) {
      broken("its content does not match its row_hash (the row was changed)");
      return v;
    }
    chained = true;
    prev = stored_hash;
    ++v.verified;
  }
  v.head_hash = prev;
  return v;
}

}  // namespace usdcop::store
