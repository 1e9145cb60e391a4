#pragma once
// Principals and their API tokens (spec 07, 12; migration 0014): the only source of the actor
// of governance commands. Tokens are stored as sha256; the secret is returned once, at creation.
// Every change here is audited in the same transaction; a refused authentication or role check
// is audited too (action `auth.denied`).
#include <optional>
#include <string>
#include <vector>

#include "identity/token.hpp"
#include "models/model.hpp"
#include "store/connection_pool.hpp"
#include "store/token_lookup.hpp"

namespace usdcop::store {

struct PrincipalRecord {
  long id = 0;
  std::string name;
  models::Role role = models::Role::viewer;
  std::string created_at, created_by;  // RFC 3339
  std::string disabled_at;             // empty while enabled
};

struct TokenRecord {
  long id = 0;
  std::string principal, name;
  std::vector<std::string> scopes;
  std::string created_at, expires_at, last_used_at, revoked_at;  // RFC 3339; empty: never
};

struct IssuedToken {
  TokenRecord record;
  std::string secret;  // shown once, never stored
};

struct TokenRequest {
  std::string principal;  // as typed; canonicalized
  std::string name;       // a label ("laptop", "ci")
  std::vector<std::string> scopes;
  int days = identity::kDefaultTokenDays;
  // API requests a minute for this token; 0: the server's default (spec 12: benchmarks use a
  // token with a raised limit).
  int rate_limit_per_minute = 0;
};

class PgPrincipals {
 public:
  explicit PgPrincipals(ConnectionPool& pool) : pool_(pool), lookup_(pool) {}

  // The identity of a secret token: Error(invalid_input) when unknown, revoked, expired or its
  // principal is disabled (the refusal is audited). Marks last_used_at at most once a minute.
  // Concurrent calls share one statement (store::TokenLookup); each is answered by a statement
  // that started after the call, so a revocation committed before it is always seen.
  identity::Identity authenticate(const std::string& secret);
  // How many lookups authenticate() asked for and how many statements answered them.
  TokenLookup::Counters lookup_counters() const { return lookup_.counters(); }
  // Error(conflict) naming the action and the role needed when `who` has less (audited).
  void require_role(const identity::Identity& who, models::Role needed, const std::string& action);
  // An audit row `audit_action` (default `auth.denied`; actor: the principal or "anonymous";
  // object: the attempted command; reason: why it was refused), in its own transaction.
  void record_denied(const std::string& actor, const std::string& action, const std::string& reason,
                     const std::string& audit_action = "auth.denied");

  PrincipalRecord add(const std::string& name, models::Role role, const identity::Identity& by);
  std::vector<PrincipalRecord> list();
  // Disables the principal and revokes its tokens.
  PrincipalRecord disable(const std::string& name, const identity::Identity& by);

  // The first admin: only while no enabled admin holds a valid token (Error(conflict)
  // otherwise). Creates the principal when missing.
  IssuedToken bootstrap(const TokenRequest& request);
  IssuedToken create_token(const TokenRequest& request, const identity::Identity& by);
  std::vector<TokenRecord> list_tokens();
  TokenRecord revoke(long token_id, const identity::Identity& by);
  int revoke_all(const identity::Identity& by);  // returns how many were revoked

 private:
  ConnectionPool& pool_;
  TokenLookup lookup_;
};

}  // namespace usdcop::store
