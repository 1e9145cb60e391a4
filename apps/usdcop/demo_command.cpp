// usdcop demo: the main job of the README quick start. It runs every stage that exists, in
// order, printing what it does. Stages join as they are built (features, training, backtest,
// promotion, live replay, dashboard).
#include <filesystem>
#include <iostream>

#include "app_database.hpp"
#include "cli_context.hpp"
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "ingest_pipeline.hpp"
#include "market/csv_source.hpp"
#include "market/data_check.hpp"
#include "store/database.hpp"

namespace usdcop::cli {

void add_demo_command(CLI::App& app) {
  struct Opts {
    std::string data, macro;
    uint64_t seed = 42;
    std::string from = "2024-01-01", to = "2025-12-31";
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("demo", "The main job: database, data, data-quality report (and later stages)");
  c->add_option("--data", o->data, "Import these bars (.csv/.csv.gz) instead of generating synthetic ones");
  c->add_option("--macro", o->macro, "Import this macro master file (with --data)");
  c->add_option("--seed", o->seed, "Seed of the synthetic market");
  c->add_option("--from", o->from, "First synthetic date");
  c->add_option("--to", o->to, "Last synthetic date");
  c->callback([o] {
    if (o->macro.size() && o->data.empty()) throw Error(ErrorKind::invalid_input, "--macro needs --data");
    std::cout << "== 1/3 database\n";
    auto& db = open_app_database();
    std::cout << "PostgreSQL ready at " << store::mask_password(store::database_url()) << "\n\n";

    std::cout << "== 2/3 market data\n";
    Timestamp from, to;
    if (!o->data.empty()) {
      market::BarImporter importer(db.bars(), {"csv:" + std::filesystem::path(o->data).filename().string(), false,
                                               configured_jump_bound()});
      market::read_bar_csv(o->data, importer);
      const auto report = importer.finish();
      std::cout << report.summary();
      if (!o->macro.empty()) {
        const auto catalog = market::MacroCatalog::load();
        market::MacroImporter macro(db.macro(), catalog, "csv:" + std::filesystem::path(o->macro).filename().string());
        market::read_macro_csv(o->macro, catalog, macro);
        std::cout << macro.finish().summary();
      }
      const auto bars = db.bars().load_bars(Timestamp{}, Timestamp::max());
      if (bars.empty()) throw Error(ErrorKind::invalid_input, "--data: no bars were imported");
      from = bars.front().time;
      to = bars.back().time + kBarLength;
    } else {
      const Date f = parse_date_or_throw(o->from, "--from"), t = parse_date_or_throw(o->to, "--to");
      import_synthetic(f, t, o->seed, false);
      from = cot_midnight(f);
      to = cot_midnight(t + std::chrono::days{1});
    }

    std::cout << "\n== 3/3 data quality\n";
    market::DataCheckOptions opts{from, to, 0.95};
    std::cout << market::run_data_check(db.quality(), db.macro(), market::MacroCatalog::load(), opts).summary();
    std::cout << "\nDone. The data stays in " << store::mask_password(store::database_url())
              << " for the next run; `usdcop db stop` stops the database.\n";
  });
}

}  // namespace usdcop::cli
