#include "feature_render.hpp"

#include <string>

#include "features/contract.hpp"

namespace usdcop::cli {

void render_text(std::ostream& out, const app::FeatureBuildReport& r) {
  out << "mode:          " << r.mode << (r.reason.empty() ? "" : " (" + r.reason + ")") << "\n"
      << "bars folded:   " << r.bars_folded << "\n"
      << "rows written:  " << r.rows_written << " (" << r.inserted << " new, " << r.updated
      << " changed, " << r.unchanged << " unchanged; " << r.complete_rows << " complete)\n"
      << "last bar:      " << (r.last_bar ? format_rfc3339(*r.last_bar) : std::string("-")) << "\n"
      << "time:          " << r.total_s << " s (compute " << r.compute_s << " s, write "
      << r.write_s << " s)\n";
}

nlohmann::json render_json(const app::FeatureBuildReport& r) {
  nlohmann::json j = {{"mode", r.mode},
                      {"reason", r.reason},
                      {"bars_folded", r.bars_folded},
                      {"rows_written", r.rows_written},
                      {"inserted", r.inserted},
                      {"updated", r.updated},
                      {"unchanged", r.unchanged},
                      {"complete_rows", r.complete_rows},
                      {"load_s", r.load_s},
                      {"compute_s", r.compute_s},
                      {"write_s", r.write_s},
                      {"total_s", r.total_s},
                      {"builder_version", std::string(features::kBuilderVersion)}};
  j["first_bar"] =
      r.first_bar ? nlohmann::json(format_rfc3339(*r.first_bar)) : nlohmann::json(nullptr);
  j["last_bar"] =
      r.last_bar ? nlohmann::json(format_rfc3339(*r.last_bar)) : nlohmann::json(nullptr);
  return j;
}

}  // namespace usdcop::cli
