// usdcop ingest csv|macro-csv|synthetic (twelvedata and fred: ingest_api_commands.cpp)
#include <filesystem>
#include <iostream>

#include "cli_context.hpp"
#include "cli_services.hpp"
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "ingest_pipeline.hpp"
#include "market/csv_source.hpp"
#include "market/synthetic.hpp"

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
    auto& db = services();
    market::BarImporter importer(
        db.bars(), configured_bar_import(
                       "csv:" + std::filesystem::path(o->file).filename().string(), o->replace));
    market::read_bar_csv(o->file, importer);
    throw ExitRequest{finish_bar_report(importer.finish(), o->json)};
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
    auto& db = services();
    const auto catalog = market::MacroCatalog::load();
    market::MacroImporter importer(db.macro(), catalog,
                                   "csv:" + std::filesystem::path(o->file).filename().string());
    market::read_macro_csv(o->file, catalog, importer);
    throw ExitRequest{finish_macro_report(importer.finish(), o->json)};
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
    const Date from = parse_date_or_throw(o->from, "--from");
    const Date to = parse_date_or_throw(o->to, "--to");
    if (to < from) throw Error(ErrorKind::invalid_input, "--to is before --from");
    throw ExitRequest{import_synthetic(from, to, o->seed, o->json)};
  });
}

}  // namespace

int import_synthetic(Date from, Date to, uint64_t seed, bool json) {
  auto& db = services();
  const auto data = market::generate_synthetic(from, to, seed);
  market::BarImporter bars(db.bars(), configured_bar_import("synthetic", false));
  long line = 0;
  for (const auto& b : data.bars) bars.add_bar(b, ++line, "");
  const auto bar_report = bars.finish();
  const auto catalog = market::MacroCatalog::load();
  market::MacroImporter macro(db.macro(), catalog, "synthetic");
  for (const auto& m : data.macro) macro.add_observation(m.variable, m.observation_date, m.value);
  const auto macro_report = macro.finish();
  if (json) {
    print_json({{"seed", seed}, {"bars", bar_report.to_json()}, {"macro", macro_report.to_json()}});
  } else {
    std::cout << "synthetic market, seed " << seed << "\n-- bars\n"
              << bar_report.summary() << "-- macro\n"
              << macro_report.summary();
  }
  return bar_report.rejected + macro_report.rejected > 0 ? kPartial : kOk;
}

void add_ingest_commands(CLI::App& app) {
  auto* ingest = app.add_subcommand("ingest", "Import bars and macro data into the database");
  ingest->require_subcommand(1);
  add_csv(*ingest);
  add_macro_csv(*ingest);
  add_synthetic(*ingest);
  add_ingest_api_commands(*ingest);
}

}  // namespace usdcop::cli
