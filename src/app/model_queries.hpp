#pragma once
// Read-only use cases of the model registry (spec 05): list, show, card, rollback targets and
// lineage. Anyone who can reach the process may read them (the doors decide who that is).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "models/model.hpp"
#include "models/model_card.hpp"
#include "store/pg_model_registry.hpp"

namespace usdcop::app {

class Services;

struct ModelListRequest {
  std::optional<models::ModelStatus> status;  // all statuses when empty
};
// Newest version first.
std::vector<models::ModelRecord> list_models(Services& services, const ModelListRequest& request);

struct ModelDetails {
  models::ModelRecord model;
  std::vector<models::BacktestSummary> backtests;  // newest first
};
// Error(not_found) for an unknown model.
ModelDetails show_model(Services& services, const std::string& model_id);

// The data behind the model card (render with models::render_model_card).
models::ModelCardData model_card(Services& services, const std::string& model_id);

// The deployed model, then up to 5 former production models, most recently retired first.
std::vector<store::RollbackTarget> rollback_targets(Services& services);

// data range -> builder -> dataset -> run -> model hashes -> backtests -> promotion requests ->
// deployments -> inferences/trades (the JSON document of docs/MODEL_GOVERNANCE.md).
nlohmann::json model_lineage(Services& services, const std::string& model_id);

}  // namespace usdcop::app
