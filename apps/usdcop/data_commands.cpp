// usdcop data check|accept-flag
#include <iostream>

#include "cli_context.hpp"
#include "cli_services.hpp"
#include "command_identity.hpp"
#include "core/calendar.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/text_hygiene.hpp"
#include "features/decision_blocks.hpp"
#include "market/data_check.hpp"
#include "store/pg_feature_store.hpp"

namespace usdcop::cli {

namespace {

// Session bars of [from, to) whose feature row is missing or incomplete: no decision would be
// taken on them. Counted per missing feature and cause (the open macro flag behind it).
features::DecisionBlocks blocked_decisions(app::Services& db, Timestamp from, Timestamp to,
                                           const market::MacroCatalog& catalog) {
  const auto bars = db.bars().load_bars(from, to);
  const auto rows = store::PgFeatureStore(db.pool()).load(from, to);
  const features::FlagAttribution flags(db.macro().load_flags(false), catalog);
  features::DecisionBlocks blocked;
  std::size_t k = 0;
  for (const auto& bar : bars) {
    if (!is_session_bar(bar.time)) continue;
    while (k < rows.size() && rows[k].time < bar.time) ++k;
    const features::FeatureRow* row =
        (k < rows.size() && rows[k].time == bar.time) ? &rows[k] : nullptr;
    if (row == nullptr || !row->complete) blocked.add(bar.time, row, flags);
  }
  return blocked;
}

void add_check(CLI::App& data) {
  struct Opts {
    std::string from, to;
    double min_coverage = -1;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = data.add_subcommand(
      "check", "Data-quality report: missing session bars, rejects, flags, macro staleness");
  c->add_option("--from", o->from, "Start: a date (COT day) or an RFC 3339 time, inclusive")
      ->required();
  c->add_option("--to", o->to, "End: a date (COT day) is inclusive, an RFC 3339 time exclusive")
      ->required();
  c->add_option("--min-coverage", o->min_coverage,
                "Coverage threshold 0..1 (default: config/usdcop.yaml)")
      ->check(CLI::Range(0.0, 1.0));
  c->add_flag("--json", o->json, "Machine-readable report");
  c->footer("Exit status: 0 coverage at or above the threshold; 3 below it.");
  c->callback([o] {
    market::DataCheckOptions opts;
    opts.from = parse_time_or_date(o->from, "from");
    opts.to = parse_end_bound(o->to, "to");
    if (opts.to <= opts.from) throw Error(ErrorKind::invalid_input, "--to must be after --from");
    opts.min_coverage = o->min_coverage >= 0
                            ? o->min_coverage
                            : value_or<double>(load_config_file("usdcop.yaml")["data_check"],
                                               "min_coverage", 0.95, "usdcop.yaml: data_check");
    auto& db = services();
    const auto catalog = market::MacroCatalog::load();
    const auto report = market::run_data_check(db.quality(), db.macro(), catalog, opts);
    const auto blocked = blocked_decisions(db, opts.from, opts.to, catalog);
    if (o->json) {
      auto j = report.to_json();
      j["blocked_decisions"] = blocked.to_json();
      print_json(j);
    } else {
      std::cout << report.summary();
      std::cout << "session bars without a decision (missing or incomplete feature row): "
                << blocked.bars << "\n";
      for (const auto& line : blocked.lines()) std::cout << "  " << line << "\n";
    }
    throw ExitRequest{report.passed() ? kOk : kPartial};
  });
}

void add_accept_flag(CLI::App& data) {
  struct Opts {
    std::string variable, date, reason, token_file;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = data.add_subcommand(
      "accept-flag", "Accept a flagged macro observation so features may use it (audited)");
  c->add_option("--variable", o->variable, "Catalog variable, e.g. brent")->required();
  c->add_option("--date", o->date, "Observation date YYYY-MM-DD")->required();
  add_token_option(*c, o->token_file);
  c->add_option("--reason", o->reason, "Why the value is genuine (at least 10 characters)")
      ->required();
  c->add_flag("--json", o->json, "Machine-readable output");
  c->callback([o] {
    const Date d = parse_date_input(o->date, "date");
    market::MacroCatalog::load().at(o->variable);  // refuses unknown variables with a clear message
    require_reason(o->reason, "reason", 10);
    const auto who =
        authenticate_command(o->token_file, models::Role::operator_, "data accept-flag");
    auto& db = services();
    const std::string& by = who.principal;
    if (!db.macro().accept_flag(o->variable, d, by, o->reason)) {
      throw Error(ErrorKind::not_found, "no open flag for " + o->variable + " on " + o->date);
    }
    if (o->json)
      print_json({{"variable", o->variable}, {"date", o->date}, {"accepted_by", by}});
    else
      std::cout << "accepted " << o->variable << " " << o->date << " (by " << by << ")\n";
  });
}

}  // namespace

void add_data_commands(CLI::App& app) {
  auto* data = app.add_subcommand("data", "Data quality: checks and flag review");
  data->require_subcommand(1);
  add_check(*data);
  add_accept_flag(*data);
}

}  // namespace usdcop::cli
