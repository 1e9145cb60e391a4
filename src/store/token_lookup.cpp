#include "store/token_lookup.hpp"

#include <algorithm>
#include <exception>
#include <pqxx/pqxx>
#include <type_traits>

namespace usdcop::store {

namespace {

// One read statement in autocommit for the whole batch, through a function whose plan the
// session keeps (migration 0028); its last column says whether last_used_at is a minute old,
// so the hot path writes only once a minute per token.
const char* const kFindSql = "SELECT * FROM system.find_api_tokens($1::text[])";

const char* const kMarkUsedSql =
    "UPDATE system.api_tokens SET last_used_at = now() WHERE id = ANY($1::bigint[]) AND "
    "(last_used_at IS NULL OR last_used_at < now() - interval '1 minute')";

// What the column's CHECK allows; anything else cannot match and never reaches the database
// (the hashes are spliced into an array literal).
bool is_sha256_hex(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

TokenRow row_of(const pqxx::row& r) {
  TokenRow t;
  t.token_id = r[1].as<long>();
  t.principal_id = r[2].as<long>();
  t.principal = r[3].as<std::string>();
  t.role = r[4].as<std::string>();
  t.scopes = r[5].as<std::string>();
  t.revoked = r[6].as<bool>();
  t.expired = r[7].as<bool>();
  t.principal_disabled = r[8].as<bool>();
  t.rate_limit_per_minute = r[9].as<int>();
  return t;
}

template <class T>
std::string array_literal(const std::vector<T>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    if constexpr (std::is_same_v<T, std::string>) {
      out += items[i];
    } else {
      out += std::to_string(items[i]);
    }
  }
  return out + "}";
}

}  // namespace

struct TokenLookup::Waiter {
  const std::string& sha256;
  std::optional<TokenRow> row;
  std::exception_ptr error;
  bool taken = false;  // by a statement (in flight)
  bool done = false;
  std::condition_variable wake;  // its own: a finished statement wakes only whom it concerns
};

std::optional<TokenRow> TokenLookup::find(const std::string& sha256) {
  if (!is_sha256_hex(sha256)) return std::nullopt;
  Waiter me{sha256, std::nullopt, nullptr, false, false, {}};
  std::unique_lock lock(mutex_);
  ++counters_.lookups;
  queue_.push_back(&me);
  while (!me.done) {
    if (me.taken || in_flight_) {
      me.wake.wait(lock);
      continue;
    }
    // No statement in flight and `me` still queued: lead the next one, for everyone queued now
    // (all of them asked before it starts).
    std::vector<Waiter*> batch;
    batch.swap(queue_);
    for (auto* w : batch) w->taken = true;
    in_flight_ = true;
    ++counters_.statements;
    lock.unlock();
    try {
      run(batch);
    } catch (...) {
      const auto error = std::current_exception();
      for (auto* w : batch) w->error = error;
    }
    lock.lock();
    in_flight_ = false;
    for (auto* w : batch) {
      w->done = true;
      if (w != &me) w->wake.notify_one();
    }
    if (!queue_.empty()) queue_.front()->wake.notify_one();  // to lead the next statement
  }
  if (me.error) std::rethrow_exception(me.error);
  return std::move(me.row);
}

void TokenLookup::run(const std::vector<Waiter*>& batch) {
  std::vector<std::string> hashes;
  for (const auto* w : batch) hashes.push_back(w->sha256);
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  auto conn = pool_.acquire();
  pqxx::nontransaction tx(*conn, "authenticate");
  const auto result = tx.exec_params(kFindSql, array_literal(hashes));
  std::vector<long> stale;
  for (const auto& r : result) {
    const auto hash = r[0].as<std::string>();
    const auto row = row_of(r);
    for (auto* w : batch)
      if (w->sha256 == hash) w->row = row;
    if (r[10].as<bool>() && !row.revoked && !row.expired && !row.principal_disabled)
      stale.push_back(row.token_id);
  }
  if (!stale.empty()) tx.exec_params(kMarkUsedSql, array_literal(stale));
}

TokenLookup::Counters TokenLookup::counters() const {
  std::lock_guard lock(mutex_);
  auto out = counters_;
  out.waiting = queue_.size();
  return out;
}

}  // namespace usdcop::store
