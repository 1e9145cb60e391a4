// usdcop ingest csv|macro-csv|synthetic (twelvedata and fred: ingest_api_commands.cpp):
// parsing and rendering only; the use cases are in src/app/ingest.hpp.
#include <filesystem>
#include <iostream>

#include "app/ingest.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "core/error.hpp"
#include "core/time_input.hpp"
#include "ingest_render.hpp"

namespace usdcop::cli {

void add_ingest_api_commands(CLI::App& ingest);

namespace {

void add_csv(CLI::App& ingest) {
  struct Opts {
    std::string file;
    bool replace = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = ingest.add_subcommand(
      "csv", "Import 5-minute bars from a .csv or .csv.gz file (spec 01 validation)");
  c->add_option(
       "FILE", o->file,
       "time,open,high,low,close[,volume] with RFC 3339 or 'YYYY-MM-DD HH:MM:SS+00:00' times")
      ->required();
  c->add_flag("--replace", o->replace,
              "Overwrite stored bars whose values differ (default: reject as conflict)");
  c->add_flag("--json", o->json, "Machine-readable report");
  c->footer(
      "Exit status: 0 all rows imported or already present; 3 some rows rejected (see the report "
      "and\n"
      "market.rejected_bars); 2 unreadable file or header.");
  c->callback([o] {
    if (!std::filesystem::exists(o->file))
      throw Error(ErrorKind::not_found, "FILE: " + o->file + " does not exist");
    const auto report = app::ingest_bar_file(services(), {o->file, o->replace});
    throw ExitRequest{finish_bar_report(report, o->json)};
  });
}

void add_macro_csv(CLI::App& ingest) {
  struct Opts {
    std::string file;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = ingest.add_subcommand(
      "macro-csv", "Import the wide daily macro master file (fecha + catalog columns)");
  c->add_option("FILE", o->file, ".csv or .csv.gz")->required();
  c->add_flag("--json", o->json, "Machine-readable report");
  c->callback([o] {
    if (!std::filesystem::exists(o->file))
      throw Error(ErrorKind::not_found, "FILE: " + o->file + " does not exist");
    const auto report = app::ingest_macro_file(services(), o->file);
    throw ExitRequest{finish_macro_report(report, o->json)};
  });
}

void add_synthetic(CLI::App& ingest) {
  struct Opts {
    std::string from, to;
    uint64_t seed = 42;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = ingest.add_subcommand(
      "synthetic", "Generate and import deterministic synthetic bars and macro series");
  c->add_option("--from", o->from, "First date (YYYY-MM-DD)")->required();
  c->add_option("--to", o->to, "Last date, inclusive (YYYY-MM-DD)")->required();
  c->add_option("--seed", o->seed, "Random seed (same seed, same data)");
  c->add_flag("--json", o->json, "Machine-readable report");
  c->callback([o] {
    const Date from = parse_date_input(o->from, "from");
    const Date to = parse_date_input(o->to, "to");
    if (to < from) throw Error(ErrorKind::invalid_input, "--to is before --from");
    const auto report = app::ingest_synthetic(services(), {from, to, o->seed});
    throw ExitRequest{finish_synthetic_report(report, o->json)};
  });
}

}  // namespace

void add_ingest_commands(CLI::App& app) {
  auto* ingest = app.add_subcommand("ingest", "Import bars and macro data into the database");
  ingest->require_subcommand(1);
  add_csv(*ingest);
  add_macro_csv(*ingest);
  add_synthetic(*ingest);
  add_ingest_api_commands(*ingest);
}

}  // namespace usdcop::cli
