#pragma once
// What a route handler knows about its request: the request id (spec 07: taken from
// X-Request-Id or generated, echoed, logged, written to audit rows), the route template and,
// on authenticated routes, who sent it.
#include <optional>
#include <string>

#include "app/caller.hpp"
#include "identity/token.hpp"
#include "store/pg_model_registry.hpp"

namespace usdcop::server {

struct RequestContext {
  std::string request_id;
  std::string route;  // template, e.g. /api/v1/models/{id}
  std::optional<identity::Identity> who;

  // The actor of audit rows: the token's principal and role, and this request's id.
  store::Actor actor() const {
    return {who ? who->principal : "anonymous", who ? models::to_string(who->role) : "",
            request_id};
  }
  // The caller of app:: use cases (authenticated routes only).
  app::Caller caller() const { return {*who, request_id}; }
};

// The request's X-Request-Id when it is 1-128 characters of [A-Za-z0-9._:-], else a new one
// ("req-" + 16 hex digits).
std::string request_id_for(const std::string& offered);

}  // namespace usdcop::server
