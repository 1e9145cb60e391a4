#pragma once
// Text and JSON renderings of the promotion results (promote commands).
#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "app/promotion.hpp"

namespace usdcop::cli {

void render_text(std::ostream& out, const models::PromotionRequest& request);
nlohmann::json render_json(const models::PromotionRequest& request);

void render_text(std::ostream& out, const std::vector<models::PromotionRequest>& list);
nlohmann::json render_json(const std::vector<models::PromotionRequest>& list);

// `promote thresholds` prints JSON only.
nlohmann::json render_json(const app::PromotionPolicyInForce& policy);

}  // namespace usdcop::cli
