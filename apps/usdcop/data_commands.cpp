// usdcop data check|accept-flag
#include <iostream>

#include "app_database.hpp"
#include "cli_context.hpp"
#include "command_identity.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/text_hygiene.hpp"
#include "market/data_check.hpp"

namespace usdcop::cli {

namespace {

void add_check(CLI::App& data) {
  struct Opts {
    std::string from, to;
    double min_coverage = -1;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = data.add_subcommand("check", "Data-quality report: missing session bars, rejects, flags, macro staleness");
  c->add_option("--from", o->from, "Start (date or RFC 3339 time), inclusive")->required();
  c->add_option("--to", o->to, "End (date or RFC 3339 time), exclusive; a date means its 00:00 UTC")->required();
  c->add_option("--min-coverage", o->min_coverage, "Coverage threshold 0..1 (default: config/usdcop.yaml)")
      ->check(CLI::Range(0.0, 1.0));
  c->add_flag("--json", o->json, "Machine-readable report");
  c->footer("Exit status: 0 coverage at or above the threshold; 3 below it.");
  c->callback([o] {
    market::DataCheckOptions opts;
    opts.from = parse_time_or_date(o->from, "--from");
    opts.to = parse_time_or_date(o->to, "--to");
    if (opts.to <= opts.from) throw Error(ErrorKind::invalid_input, "--to must be after --from");
    opts.min_coverage = o->min_coverage >= 0
                            ? o->min_coverage
                            : value_or<double>(load_config_file("usdcop.yaml")["data_check"], "min_coverage", 0.95,
                                               "usdcop.yaml: data_check");
    auto& db = open_app_database();
    const auto report = market::run_data_check(db.quality(), db.macro(), market::MacroCatalog::load(), opts);
    if (o->json) print_json(report.to_json());
    else std::cout << report.summary();
    throw ExitRequest{report.passed() ? kOk : kPartial};
  });
}

void add_accept_flag(CLI::App& data) {
  struct Opts {
    std::string variable, date, reason, token_file;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = data.add_subcommand("accept-flag", "Accept a flagged macro observation so features may use it (audited)");
  c->add_option("--variable", o->variable, "Catalog variable, e.g. brent")->required();
  c->add_option("--date", o->date, "Observation date YYYY-MM-DD")->required();
  add_token_option(*c, o->token_file);
  c->add_option("--reason", o->reason, "Why the value is genuine (at least 10 characters)")->required();
  c->add_flag("--json", o->json, "Machine-readable output");
  c->callback([o] {
    const Date d = parse_date_or_throw(o->date, "--date");
    market::MacroCatalog::load().at(o->variable);  // refuses unknown variables with a clear message
    require_reason(o->reason, "--reason", 10);
    const auto who =
        authenticate_command(o->token_file, models::Role::operator_, "data accept-flag");
    auto& db = open_app_database();
    const std::string& by = who.principal;
    if (!db.macro().accept_flag(o->variable, d, by, o->reason)) {
      throw Error(ErrorKind::not_found, "no open flag for " + o->variable + " on " + o->date);
    }
    if (o->json) print_json({{"variable", o->variable}, {"date", o->date}, {"accepted_by", by}});
    else std::cout << "accepted " << o->variable << " " << o->date << " (by " << by << ")\n";
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
