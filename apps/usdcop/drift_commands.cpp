// usdcop drift [--window N] [--record] [--json]: PSI of each market feature of the production
// model against its training reference (spec 08). --record also writes monitor.drift_history
// and the gauge: what the hourly job does (a scheduler, or `up`, runs it once an hour).
#include <iomanip>
#include <iostream>

#include "app/drift.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"

namespace usdcop::cli {
namespace {

void print_drift(std::ostream& out, const app::DriftReport& d) {
  out << "drift of " << d.model_id << " over " << d.window_bars << " complete bars ("
      << format_rfc3339(d.window_from) << " .. " << format_rfc3339(d.window_to) << ")";
  if (d.window_bars < d.requested_bars) out << ", fewer than the " << d.requested_bars << " asked";
  out << "\n";
  for (const auto& f : d.features) {
    out << "  " << std::left << std::setw(18) << f.feature << std::right << std::fixed
        << std::setprecision(4) << std::setw(9) << f.psi << (f.drifted ? "  DRIFTED" : "") << "\n";
  }
  const auto drifted = d.drifted();
  out << (drifted.empty() ? "no feature" : std::to_string(drifted.size()) + " feature(s)")
      << " above the threshold " << d.threshold << "\n";
}

void add_drift_command(CLI::App& app) {
  struct Opts {
    int window = features::kDriftWindowBars;
    bool record = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand(
      "drift", "Feature drift (PSI) of the production model against its training reference");
  c->add_option("--window", o->window, "Newest complete bars to compare (default 300)");
  c->add_flag("--record", o->record,
              "Also write monitor.drift_history and the gauge (the hourly job)");
  c->add_flag("--json", o->json, "Machine-readable output");
  c->callback([o] {
    const app::DriftRequest request{o->window};
    const auto report = o->record ? app::record_drift(services(), request)
                                  : app::compute_drift(services(), request);
    print_result(
        report, o->json, +[](const app::DriftReport& d) { return app::to_json(d); }, print_drift);
  });
}

const CommandRegistration reg{69, add_drift_command};

}  // namespace
}  // namespace usdcop::cli
