#pragma once
// Text and JSON renderings of the model-registry results (models and lineage commands): one
// text renderer and one JSON renderer per result type.
#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "app/model_changes.hpp"
#include "app/model_queries.hpp"
#include "app/model_reload.hpp"

namespace usdcop::cli {

void render_text(std::ostream& out, const std::vector<models::ModelRecord>& list);
nlohmann::json render_json(const std::vector<models::ModelRecord>& list);

void render_text(std::ostream& out, const app::ModelDetails& details);
nlohmann::json render_json(const app::ModelDetails& details);

void render_text(std::ostream& out, const std::vector<store::RollbackTarget>& targets);
nlohmann::json render_json(const std::vector<store::RollbackTarget>& targets);

// `models register`
void render_text(std::ostream& out, const models::ModelRecord& registered);
nlohmann::json render_json(const models::ModelRecord& registered);

void render_text(std::ostream& out, const app::RollbackOutcome& outcome);

// `models reload` (its JSON rendering is app::to_json, the API's answer).
void render_text(std::ostream& out, const app::ModelReloadOutcome& outcome);
nlohmann::json render_json(const app::RollbackOutcome& outcome);

// `lineage MODEL` (its JSON rendering is the lineage document itself).
void render_lineage_text(std::ostream& out, const nlohmann::json& lineage);

}  // namespace usdcop::cli
