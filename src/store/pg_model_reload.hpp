#pragma once
// The record of a models reload (POST /models/reload, `usdcop models reload`): one audit row
// `model.reload` naming the models that verified and, when a model is deployed, NOTIFY
// model_changed (event "reload") so that running engines reload them between two bars and
// every server's state cache refreshes (docs/EVENTS.md); one transaction.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "models/model.hpp"
#include "store/connection_pool.hpp"
#include "store/pg_model_registry.hpp"

namespace usdcop::store {

void record_models_reload(ConnectionPool& pool, const Actor& actor, const std::string& reason,
                          const nlohmann::json& loaded,
                          const std::optional<models::ModelRecord>& deployed);

}  // namespace usdcop::store
