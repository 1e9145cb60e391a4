#pragma once
// Use cases that change the model registry (spec 05, 12): register a verified run directory
// (operator) and roll the production model back (admin). Both are audited under the caller's
// request id; a refused rollback is audited as `command.refused`.
#include <filesystem>
#include <optional>
#include <string>

#include "app/caller.hpp"
#include "models/model.hpp"
#include "store/pg_model_registry.hpp"

namespace usdcop::app {

class Services;

struct RegisterRequest {
  Caller caller;
  std::filesystem::path run_dir;  // run.json, actor.bin, norm_stats.json, ...
};
// Error(integrity) when an artifact is missing or its hash differs, Error(conflict) when the
// run is already registered.
models::ModelRecord register_model(Services& services, const RegisterRequest& request);

struct RollbackRequest {
  Caller caller;
  std::optional<std::string> target_model;  // default: the recommended target
  std::string reason;                       // at least 10 characters
};
struct RollbackOutcome {
  store::RollbackResult result;
  std::string request_id;
};
// Errors: not_found (no production model / no target), invalid_input (not a former production
// model, incompatible builder, short reason), integrity (artifacts), conflict (a rollback or
// promotion in progress, or the caller is not an admin).
RollbackOutcome rollback_model(Services& services, const RollbackRequest& request);

}  // namespace usdcop::app
