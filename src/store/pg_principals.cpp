#include "store/pg_principals.hpp"

#include <pqxx/pqxx>

#include "core/error.hpp"
#include "identity/principal_name.hpp"
#include "store/pg_copy.hpp"
#include "store/pg_registry_rows.hpp"

namespace usdcop::store {

namespace {

const char* kTime = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";

std::string time_col(const std::string& col) {
  return "coalesce(to_char(" + col + " AT TIME ZONE 'UTC', " + kTime + "), '')";
}

const std::string kPrincipalColumns = "p.id, p.name, p.role, " + time_col("p.created_at") +
                                      ", coalesce(p.created_by, ''), " + time_col("p.disabled_at");
const std::string kTokenColumns =
    "t.id, p.name, t.name, array_to_string(t.scopes, ','), " + time_col("t.created_at") + ", " +
    time_col("t.expires_at") + ", " + time_col("t.last_used_at") + ", " + time_col("t.revoked_at");

models::Role role_of(const std::string& text) {
  return text == "system" ? models::Role::system : models::parse_role(text);
}

PrincipalRecord principal_from_row(const pqxx::row& r) {
  return {r[0].as<long>(),        r[1].as<std::string>(), role_of(r[2].as<std::string>()),
          r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::string>()};
}

std::vector<std::string> split_scopes(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

TokenRecord token_from_row(const pqxx::row& r) {
  return {r[0].as<long>(),        r[1].as<std::string>(),
          r[2].as<std::string>(), split_scopes(r[3].as<std::string>()),
          r[4].as<std::string>(), r[5].as<std::string>(),
          r[6].as<std::string>(), r[7].as<std::string>()};
}

// A token label: 1-64 characters, no control characters.
std::string checked_label(const std::string& label) {
  size_t chars = 0;
  for (unsigned char c : label) {
    if (c < 0x20 || c == 0x7f)
      throw Error(ErrorKind::invalid_input, "holds a control character", "token_label");
    if ((c & 0xC0) != 0x80) ++chars;
  }
  if (chars == 0 || chars > 64)
    throw Error(ErrorKind::invalid_input, "1 to 64 characters", "token_label");
  return sanitize_utf8(label);
}

models::AuditEntry audit(const std::string& actor, models::Role role, const std::string& action,
                         const std::string& type, const std::string& id) {
  models::AuditEntry e;
  e.actor = actor;
  e.role = models::to_string(role);
  e.action = action;
  e.object_type = type;
  e.object_id = id;
  return e;
}

std::optional<PrincipalRecord> find_principal(pqxx::transaction_base& tx, const std::string& name,
                                              bool for_update) {
  const auto r =
      tx.exec_params("SELECT " + kPrincipalColumns + " FROM system.principals p WHERE p.name = $1" +
                         (for_update ? " FOR UPDATE" : ""),
                     name);
  if (r.empty()) return std::nullopt;
  return principal_from_row(r[0]);
}

IssuedToken insert_token(pqxx::work& tx, const PrincipalRecord& p, const TokenRequest& request,
                         const std::string& created_by) {
  if (p.role == models::Role::system)
    throw Error(ErrorKind::conflict,
                "principal '" + p.name + "' is a service principal: no tokens");
  if (!p.disabled_at.empty())
    throw Error(ErrorKind::conflict, "principal '" + p.name + "' is disabled");
  if (request.days < 1 || request.days > 3650)
    throw Error(ErrorKind::invalid_input, "1 to 3650", "days");
  if (request.rate_limit_per_minute < 0 || request.rate_limit_per_minute > 10'000'000)
    throw Error(ErrorKind::invalid_input, "rate limit: 0 (the default) to 10,000,000 a minute",
                "rate_limit_per_minute");
  const auto scopes = identity::token_scopes(p.role, request.scopes);
  const auto token = identity::generate_token();
  std::string scope_array = "{";
  for (size_t i = 0; i < scopes.size(); ++i) scope_array += (i ? "," : "") + scopes[i];
  scope_array += "}";
  const auto id = tx.exec_params1(
                        "INSERT INTO system.api_tokens (principal_id, name, token_sha256, scopes, "
                        "created_by, expires_at, rate_limit_per_minute) VALUES ($1, $2, $3, "
                        "$4::text[], $5, now() + make_interval(days => $6), nullif($7, 0)) "
                        "RETURNING id",
                        p.id, checked_label(request.name), token.sha256, scope_array, created_by,
                        request.days, request.rate_limit_per_minute)[0]
                      .as<long>();
  auto e = audit(created_by, models::Role::admin, "token.create", "api_token", std::to_string(id));
  e.details = {
      {"principal", p.name}, {"name", request.name}, {"scopes", scopes}, {"days", request.days}};
  append_audit(tx, e);
  const auto row =
      tx.exec_params1("SELECT " + kTokenColumns +
                          " FROM system.api_tokens t JOIN system.principals p ON p.id = "
                          "t.principal_id WHERE t.id = $1",
                      id);
  return {token_from_row(row), token.secret};
}

}  // namespace

void PgPrincipals::record_denied(const std::string& actor, const std::string& action,
                                 const std::string& reason, const std::string& audit_action) {
  guard_connection("auditing a refusal", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "auth_denied");
    auto e = audit(actor, models::Role::viewer, audit_action, "command", action);
    e.role.clear();
    e.reason = sanitize_utf8(reason);
    e.details = {{"attempted", action}};
    append_audit(tx, e);
    tx.commit();
  });
}

// One read statement in autocommit, shared with the lookups of concurrent requests
// (store::TokenLookup); last_used_at at most once a minute (spec 12): the hot path never writes.
identity::Identity PgPrincipals::authenticate(const std::string& secret) {
  const auto row = guard_connection("checking the token",
                                    [&] { return lookup_.find(identity::token_sha256(secret)); });
  std::optional<std::string> refusal;
  if (!row) {
    refusal = "unknown token";
  } else if (row->revoked) {
    refusal = "revoked token " + std::to_string(row->token_id);
  } else if (row->expired) {
    refusal = "expired token " + std::to_string(row->token_id);
  } else if (row->principal_disabled) {
    refusal = "principal '" + row->principal + "' is disabled";
  }
  if (refusal) {
    record_denied(row ? row->principal : "anonymous", "authenticate", *refusal);
    throw Error(ErrorKind::invalid_input, "token: " + *refusal);
  }
  identity::Identity id;
  id.principal = row->principal;
  id.token_id = row->token_id;
  id.principal_id = row->principal_id;
  id.role = role_of(row->role);
  id.scopes = split_scopes(row->scopes);
  id.rate_limit_per_minute = row->rate_limit_per_minute;
  return id;
}

void PgPrincipals::require_role(const identity::Identity& who, models::Role needed,
                                const std::string& action) {
  if (who.role != models::Role::system && models::at_least(who.role, needed)) return;
  const std::string why = action + " needs role " + models::to_string(needed) + "; '" +
                          who.principal + "' is " + models::to_string(who.role);
  record_denied(who.principal, action, why);
  throw Error(ErrorKind::conflict, why, "role");
}

PrincipalRecord PgPrincipals::add(const std::string& name, models::Role role,
                                  const identity::Identity& by) {
  require_role(by, models::Role::admin, "principal add");
  if (role == models::Role::system)
    throw Error(ErrorKind::invalid_input, "must be viewer, operator or admin", "role");
  const std::string canonical = identity::canonical_principal_name(name, "principal");
  return guard_connection("adding a principal", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "principal_add");
    if (find_principal(tx, canonical, false))
      throw Error(ErrorKind::conflict, "principal '" + canonical + "' exists");
    tx.exec_params("INSERT INTO system.principals (name, role, created_by) VALUES ($1, $2, $3)",
                   canonical, models::to_string(role), by.principal);
    auto e = audit(by.principal, by.role, "principal.add", "principal", canonical);
    e.to_state = models::to_string(role);
    if (canonical != name) e.details = {{"typed", sanitize_utf8(name)}};
    append_audit(tx, e);
    auto p = *find_principal(tx, canonical, false);
    tx.commit();
    return p;
  });
}

std::vector<PrincipalRecord> PgPrincipals::list() {
  return guard_connection("listing principals", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::vector<PrincipalRecord> out;
    for (const auto& r :
         tx.exec("SELECT " + kPrincipalColumns + " FROM system.principals p ORDER BY p.name"))
      out.push_back(principal_from_row(r));
    return out;
  });
}

PrincipalRecord PgPrincipals::disable(const std::string& name, const identity::Identity& by) {
  require_role(by, models::Role::admin, "principal disable");
  const std::string canonical = identity::canonical_principal_name(name, "principal");
  return guard_connection("disabling a principal", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "principal_disable");
    const auto p = find_principal(tx, canonical, true);
    if (!p) throw Error(ErrorKind::not_found, "principal '" + canonical + "' does not exist");
    tx.exec_params(
        "UPDATE system.principals SET disabled_at = coalesce(disabled_at, now()) WHERE id = $1",
        p->id);
    tx.exec_params(
        "UPDATE system.api_tokens SET revoked_at = now() WHERE principal_id = $1 AND revoked_at "
        "IS NULL",
        p->id);
    auto e = audit(by.principal, by.role, "principal.disable", "principal", canonical);
    e.from_state = p->disabled_at.empty() ? "enabled" : "disabled";
    e.to_state = "disabled";
    append_audit(tx, e);
    auto out = *find_principal(tx, canonical, false);
    tx.commit();
    return out;
  });
}

IssuedToken PgPrincipals::bootstrap(const TokenRequest& request) {
  const std::string canonical = identity::canonical_principal_name(request.principal, "principal");
  return guard_connection("bootstrapping the first admin", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "token_bootstrap");
    // Serializes concurrent bootstraps: only one can see "no admin token".
    tx.exec("LOCK TABLE system.principals IN SHARE ROW EXCLUSIVE MODE");
    const auto admins =
        tx.exec(
              "SELECT count(*) FROM system.api_tokens t JOIN system.principals p ON p.id = "
              "t.principal_id WHERE p.role = 'admin' AND p.disabled_at IS NULL AND t.revoked_at IS "
              "NULL AND t.expires_at > now()")[0][0]
            .as<long>();
    if (admins > 0) {
      throw Error(ErrorKind::conflict,
                  "an admin token exists: ask an admin for `usdcop token create` (bootstrap "
                  "works only while no valid admin token exists)");
    }
    auto p = find_principal(tx, canonical, true);
    if (!p) {
      tx.exec_params(
          "INSERT INTO system.principals (name, role, created_by) VALUES ($1, 'admin', "
          "'bootstrap')",
          canonical);
      auto e = audit(canonical, models::Role::admin, "principal.add", "principal", canonical);
      e.to_state = "admin";
      e.reason = "token bootstrap";
      append_audit(tx, e);
      p = find_principal(tx, canonical, false);
    } else if (p->role != models::Role::admin) {
      throw Error(ErrorKind::conflict, "principal '" + canonical + "' exists and is not an admin");
    }
    auto issued = insert_token(tx, *p, request, canonical);
    tx.commit();
    return issued;
  });
}

IssuedToken PgPrincipals::create_token(const TokenRequest& request, const identity::Identity& by) {
  require_role(by, models::Role::admin, "token create");
  const std::string canonical = identity::canonical_principal_name(request.principal, "principal");
  return guard_connection("creating a token", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "token_create");
    const auto p = find_principal(tx, canonical, true);
    if (!p) throw Error(ErrorKind::not_found, "principal '" + canonical + "' does not exist");
    auto issued = insert_token(tx, *p, request, by.principal);
    tx.commit();
    return issued;
  });
}

std::vector<TokenRecord> PgPrincipals::list_tokens() {
  return guard_connection("listing tokens", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::vector<TokenRecord> out;
    for (const auto& r : tx.exec("SELECT " + kTokenColumns +
                                 " FROM system.api_tokens t JOIN system.principals p ON p.id = "
                                 "t.principal_id ORDER BY t.id"))
      out.push_back(token_from_row(r));
    return out;
  });
}

TokenRecord PgPrincipals::revoke(long token_id, const identity::Identity& by) {
  require_role(by, models::Role::admin, "token revoke");
  return guard_connection("revoking a token", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "token_revoke");
    const auto n = tx.exec_params(
        "UPDATE system.api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 "
        "RETURNING id",
        token_id);
    if (n.empty())
      throw Error(ErrorKind::not_found, "token " + std::to_string(token_id) + " does not exist");
    append_audit(
        tx, audit(by.principal, by.role, "token.revoke", "api_token", std::to_string(token_id)));
    const auto row =
        tx.exec_params1("SELECT " + kTokenColumns +
                            " FROM system.api_tokens t JOIN system.principals p ON p.id = "
                            "t.principal_id WHERE t.id = $1",
                        token_id);
    tx.commit();
    return token_from_row(row);
  });
}

int PgPrincipals::revoke_all(const identity::Identity& by) {
  require_role(by, models::Role::admin, "token revoke all");
  return guard_connection("revoking every token", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "token_revoke_all");
    const auto n = tx.exec(
                         "UPDATE system.api_tokens SET revoked_at = now() WHERE revoked_at IS "
                         "NULL RETURNING id")
                       .size();
    auto e = audit(by.principal, by.role, "token.revoke_all", "api_token", "*");
    e.details = {{"revoked", n}};
    append_audit(tx, e);
    tx.commit();
    return static_cast<int>(n);
  });
}

}  // namespace usdcop::store
