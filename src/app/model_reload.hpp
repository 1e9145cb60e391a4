#pragma once
// Reload the models (spec 07 POST /models/reload, admin; `usdcop models reload`): re-reads the
// deployed and staging models from the registry and verifies each one's artifacts against its
// registered hashes (app::resolve_model, as the backtest and the live engine load them). When
// every one verifies, the reload is audited (`model.reload`) and, with a deployed model,
// NOTIFY model_changed (event "reload") tells running engines to reload between two bars.
// A model that does not verify refuses the whole reload (Error(integrity), audited as
// `command.refused`): nothing is notified and what runs keeps running.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/caller.hpp"

namespace usdcop::app {

class Services;

struct ModelReloadRequest {
  Caller caller;
  std::string reason;  // optional, for the audit row
};

struct ReloadedModel {
  std::string model_id;
  int version = 0;
  std::string status;  // deployed | staging
  std::string model_hash;
  std::string builder_version;
};

struct ModelReloadOutcome {
  std::vector<ReloadedModel> models;  // the deployed model first, then the staging ones
  bool engines_notified = false;      // a deployed model: model_changed was sent
  std::string request_id;
};

// Errors: conflict (not an admin), integrity (a model's artifacts do not verify).
ModelReloadOutcome reload_models(Services& services, const ModelReloadRequest& request);

// {success, models:[{model_id, version, status, model_hash, builder_version, verified}], count,
// engines_notified, request_id}: the API's answer and `models reload --json`.
nlohmann::json to_json(const ModelReloadOutcome& outcome);

}  // namespace usdcop::app
