// usdcop data check|accept-flag
#include <iostream>

#include "app/data_quality.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "command_identity.hpp"
#include "core/error.hpp"
#include "core/text_hygiene.hpp"
#include "core/time_input.hpp"

namespace usdcop::cli {

namespace {

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
    app::DataCheckRequest request;
    request.from = parse_time_or_date(o->from, "from");
    request.to = parse_end_bound(o->to, "to");
    if (o->min_coverage >= 0) request.min_coverage = o->min_coverage;
    const auto [report, blocked] = app::check_data(services(), request);
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
    market::MacroCatalog::load().at(o->variable);  // before the token: a typo costs no audit row
    require_reason(o->reason, "reason", 10);
    const auto caller = command_caller(o->token_file, "data accept-flag");
    app::accept_macro_flag(services(), {caller, o->variable, d, o->reason});
    const std::string& by = caller.identity.principal;
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
