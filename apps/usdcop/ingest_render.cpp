#include "ingest_render.hpp"

#include "cli_context.hpp"

namespace usdcop::cli {

void render_text(std::ostream& out, const market::BarImportReport& r) {
  out << r.summary();
}
nlohmann::json render_json(const market::BarImportReport& r) {
  return r.to_json();
}
void render_text(std::ostream& out, const market::MacroImportReport& r) {
  out << r.summary();
}
nlohmann::json render_json(const market::MacroImportReport& r) {
  return r.to_json();
}

void render_text(std::ostream& out, const app::SyntheticReport& r) {
  out << "synthetic market, seed " << r.seed << "\n-- bars\n"
      << r.bars.summary() << "-- macro\n"
      << r.macro.summary();
}

nlohmann::json render_json(const app::SyntheticReport& r) {
  return {{"seed", r.seed}, {"bars", r.bars.to_json()}, {"macro", r.macro.to_json()}};
}

int finish_bar_report(const market::BarImportReport& report, bool json) {
  print_result(report, json, render_json, render_text);
  return report.rejected > 0 ? kPartial : kOk;
}

int finish_macro_report(const market::MacroImportReport& report, bool json) {
  print_result(report, json, render_json, render_text);
  return report.rejected > 0 ? kPartial : kOk;
}

int finish_synthetic_report(const app::SyntheticReport& report, bool json) {
  print_result(report, json, render_json, render_text);
  return report.rejected_any() ? kPartial : kOk;
}

}  // namespace usdcop::cli
