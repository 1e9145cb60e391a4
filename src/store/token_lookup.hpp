#pragma once
// The row of an API token by its sha256, for authentication (store::PgPrincipals). Concurrent
// lookups are coalesced like a group commit: while one statement is in flight, the lookups
// that arrive wait, and the next statement reads all their hashes at once (`= ANY($1)`); one
// statement at a time, so under load a round trip serves many requests (docs/API.md,
// Performance). Every lookup is answered by a statement that STARTED after the lookup was
// asked for, so a revocation committed before the request is always seen: identities are never
// cached. A failed statement fails every lookup of its batch with the same exception.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/connection_pool.hpp"

namespace usdcop::store {

struct TokenRow {
  long token_id = 0, principal_id = 0;
  std::string principal, role, scopes;  // scopes comma-separated
  bool revoked = false, expired = false, principal_disabled = false;
  int rate_limit_per_minute = 0;  // 0: the server's default
};

class TokenLookup {
 public:
  explicit TokenLookup(ConnectionPool& pool) : pool_(pool) {}
  TokenLookup(const TokenLookup&) = delete;
  TokenLookup& operator=(const TokenLookup&) = delete;

  // The token whose token_sha256 is `sha256`, nullopt when there is none. Marks last_used_at
  // when it is a minute old (at most once a minute per token, spec 12). Throws what the
  // database throws (libpqxx), or Error(unavailable) from the pool.
  std::optional<TokenRow> find(const std::string& sha256);

  struct Counters {
    std::uint64_t lookups = 0, statements = 0;  // lookups: well-formed hashes asked for
    std::size_t waiting = 0;                    // lookups queued behind the statement in flight
  };
  Counters counters() const;

 private:
  struct Waiter;
  void run(const std::vector<Waiter*>& batch);

  ConnectionPool& pool_;
  mutable std::mutex mutex_;
  std::vector<Waiter*> queue_;
  bool in_flight_ = false;
  Counters counters_;
};

}  // namespace usdcop::store
