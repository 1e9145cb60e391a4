#pragma once
// Renderings of the ingest reports, and the exit status they map to (0 clean, 3 some input
// rejected: docs/CLI.md).
#include <nlohmann/json.hpp>
#include <ostream>

#include "app/ingest.hpp"

namespace usdcop::cli {

void render_text(std::ostream& out, const market::BarImportReport& report);
nlohmann::json render_json(const market::BarImportReport& report);
void render_text(std::ostream& out, const market::MacroImportReport& report);
nlohmann::json render_json(const market::MacroImportReport& report);
void render_text(std::ostream& out, const app::SyntheticReport& report);
nlohmann::json render_json(const app::SyntheticReport& report);

// Prints the report (JSON or text) and returns the exit status.
int finish_bar_report(const market::BarImportReport& report, bool json);
int finish_macro_report(const market::MacroImportReport& report, bool json);
int finish_synthetic_report(const app::SyntheticReport& report, bool json);

}  // namespace usdcop::cli
