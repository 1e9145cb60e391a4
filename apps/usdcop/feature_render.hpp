#pragma once
// Text and JSON renderings of a features build report (`features build`, `bench features`).
#include <nlohmann/json.hpp>
#include <ostream>

#include "app/feature_build.hpp"

namespace usdcop::cli {

void render_text(std::ostream& out, const app::FeatureBuildReport& report);
nlohmann::json render_json(const app::FeatureBuildReport& report);

}  // namespace usdcop::cli
