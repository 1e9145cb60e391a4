#include "server/gatekeeper.hpp"

#include <random>

#include "app/caller.hpp"
#include "core/error.hpp"
#include "server/http_error.hpp"
#include "server/request_context.hpp"

namespace usdcop::server {

namespace {

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

HttpError too_many(const std::string& message, int retry_after) {
  HttpError e(429, "rate_limited", message, "", {{"retry_after_seconds", retry_after}});
  e.retry_after_seconds = retry_after;
  return e;
}

}  // namespace

std::string request_id_for(const std::string& offered) {
  if (!offered.empty() && offered.size() <= 128) {
    bool ok = true;
    for (char c : offered) ok = ok && id_char(c);
    if (ok) return offered;
  }
  thread_local std::mt19937_64 gen{std::random_device{}()};
  static const char* kHex = "0123456789abcdef";
  std::string id = "req-";
  auto v = gen();
  for (int i = 0; i < 16; ++i, v >>= 4) id += kHex[v & 0xf];
  return id;
}

Gatekeeper::Gatekeeper(app::Services& services, const ApiConfig& config)
    : services_(services),
      default_per_minute_(config.rate_limit_per_minute),
      failures_per_minute_(config.failed_auth_per_minute) {}

void Gatekeeper::refuse(const std::string& address, const std::string& action,
                        const std::string& why, bool audit) {
  failure_budget_.take(address, failures_per_minute_);
  if (audit) app::record_anonymous_denial(services_, action, why);
  throw HttpError(401, "unauthorized", why, "token");
}

identity::Identity Gatekeeper::authenticate(const httplib::Request& req,
                                            const std::string& action) {
  const std::string& address = req.remote_addr;
  if (const auto d = failure_budget_.peek(address, failures_per_minute_); !d.allowed)
    throw too_many("too many failed authentications from this address", d.retry_after_seconds);
  const std::string header = req.get_header_value("Authorization");
  if (header.empty())
    refuse(address, action, "a bearer token is required (Authorization: Bearer usdcop_...)", true);
  const std::string scheme = "bearer ";
  if (header.size() <= scheme.size() ||
      !std::equal(scheme.begin(), scheme.end(), header.begin(),
                  [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); }))
    refuse(address, action, "the Authorization header must be 'Bearer <token>'", true);
  std::string secret = header.substr(scheme.size());
  while (!secret.empty() && secret.front() == ' ') secret.erase(secret.begin());
  while (!secret.empty() && secret.back() == ' ') secret.pop_back();
  if (secret.size() > 256 || secret.rfind(std::string(identity::kTokenPrefix), 0) != 0)
    refuse(address, action, "not a usdcop token", true);
  identity::Identity who;
  try {
    who = app::authenticate(services_, secret);  // audits its own refusals
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::invalid_input) throw;
    refuse(address, action, e.what(), false);
  }
  const int limit = who.rate_limit_per_minute > 0 ? who.rate_limit_per_minute : default_per_minute_;
  if (const auto d = token_budget_.take(std::to_string(who.token_id), limit); !d.allowed)
    throw too_many("token over its rate limit of " + std::to_string(limit) + " requests a minute",
                   d.retry_after_seconds);
  return who;
}

void Gatekeeper::require_role(const identity::Identity& who, models::Role needed,
                              const std::string& action) {
  try {
    app::require_role(services_, who, needed, action);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::conflict) throw;
    throw HttpError(403, "forbidden", e.what(), "role",
                    {{"needed", models::to_string(needed)}, {"role", models::to_string(who.role)}});
  }
}

void Gatekeeper::require_scope(const identity::Identity& who, const std::string& scope,
                               const std::string& action) {
  try {
    app::require_scope(services_, who, scope, action);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::conflict) throw;
    throw HttpError(403, "forbidden", e.what(), "scope",
                    {{"needed_scope", scope}, {"scopes", who.scopes}});
  }
}

}  // namespace usdcop::server
