// usdcop ingest twelvedata|fred: fetch from the provider's REST API (retry, circuit breaker),
// then hand the textual records to the common import pipeline (src/app/ingest.hpp), which
// validates, writes and reports exactly as for CSV files.
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/market_data/fred_client.hpp"
#include "adapters/market_data/twelvedata_client.hpp"
#include "app/ingest.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "core/time_input.hpp"
#include "ingest_render.hpp"
#include "market/macro_catalog.hpp"

namespace usdcop::cli {

namespace {

// Progress lines on stderr in text mode only (stdout stays the report). Never holds secrets:
// the clients mask the API key before calling it.
std::function<void(const std::string&)> progress_log(bool json) {
  if (json) return {};
  return [](const std::string& line) { std::cerr << line << "\n"; };
}

void exit_with(int status) {
  if (status != kOk) throw ExitRequest{status};
}

}  // namespace

// A --series value resolved to the FRED series to fetch and the catalog variable to store it
// under. The one place that knows the mapping (config/macro_catalog.yaml, field `fred`):
//   a catalog variable with a FRED series ("ust10y")  -> {DGS10, ust10y}
//   a FRED id the catalog maps ("DGS10")              -> {DGS10, ust10y}
//   a catalog variable without one ("embi_col")       -> Error(invalid_input)
//   anything else, or no catalog available            -> {NAME, NAME}
struct FredSeriesRef {
  std::string fred_id;
  std::string variable;
};

FredSeriesRef resolve_fred_series(const std::string& name) {
  std::optional<market::MacroCatalog> catalog;
  try {
    catalog = market::MacroCatalog::load();
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::not_found) throw;  // a broken catalog is reported, not ignored
    return {name, name};                          // no catalog: the FRED id is the variable name
  }
  if (const auto* v = catalog->find(name)) {
    if (v->fred_series.empty()) {
      throw Error(ErrorKind::invalid_input,
                  "macro variable '" + name + "' has no FRED series in the catalog (field fred)");
    }
    return {v->fred_series, v->name};
  }
  if (const auto* v = catalog->find_by_fred(name)) return {name, v->name};
  return {name, name};
}

// usdcop ingest twelvedata --from --to [--json] [--replace]
void add_twelvedata(CLI::App& ingest) {
  auto* td = ingest.add_subcommand(
      "twelvedata",
      "Fetch USD/COP 5-min bars from TwelveData (TWELVEDATA_API_KEY, TWELVEDATA_BASE_URL) and "
      "import them");
  auto td_from = std::make_shared<std::string>();
  auto td_to = std::make_shared<std::string>();
  auto td_json = std::make_shared<bool>(false);
  auto td_replace = std::make_shared<bool>(false);
  td->add_option("--from", *td_from, "Start (inclusive): a date (00:00 COT) or an RFC 3339 time")
      ->required();
  td->add_option("--to", *td_to, "End: a date (COT day) is inclusive, an RFC 3339 time exclusive")
      ->required();
  td->add_flag("--json", *td_json, "Machine-readable report");
  td->add_flag("--replace", *td_replace, "Overwrite stored bars whose values differ");
  td->callback([=] {
    const Timestamp from = parse_time_or_date(*td_from, "from");
    const Timestamp to = parse_end_bound(*td_to, "to");
    if (!(from < to)) throw Error(ErrorKind::invalid_input, "--from must be before --to");
    auto options = adapters::TwelveDataOptions::from_env();  // throws when the key is missing
    adapters::ApiClientDeps deps;
    deps.log = progress_log(*td_json);
    adapters::TwelveDataClient client(std::move(options), std::move(deps));
    adapters::TwelveDataFetch fetched = client.fetch(from, to);
    if (!*td_json) {
      std::cerr << "twelvedata: " << fetched.records.size() << " bars received in "
                << fetched.windows << " window(s), " << fetched.requests << " request(s)";
      if (fetched.duplicates) std::cerr << ", " << fetched.duplicates << " repeats dropped";
      std::cerr << "\n";
    }
    std::vector<app::TextBarRecord> records;
    records.reserve(fetched.records.size());
    for (auto& r : fetched.records) {
      records.push_back(app::TextBarRecord{r.line, std::move(r.raw), std::move(r.time),
                                           std::move(r.open), std::move(r.high), std::move(r.low),
                                           std::move(r.close), std::move(r.volume)});
    }
    exit_with(
        finish_bar_report(app::ingest_text_bars(services(), records,
                                                adapters::TwelveDataClient::kSource, *td_replace),
                          *td_json));
  });
}

// usdcop ingest fred --series NAME[,NAME] --from --to [--json]
void add_fred(CLI::App& ingest) {
  auto* fr = ingest.add_subcommand(
      "fred", "Fetch macro observations from FRED (FRED_API_KEY, FRED_BASE_URL) and import them");
  auto fr_series = std::make_shared<std::vector<std::string>>();
  auto fr_from = std::make_shared<std::string>();
  auto fr_to = std::make_shared<std::string>();
  auto fr_json = std::make_shared<bool>(false);
  fr->add_option("--series", *fr_series,
                 "Catalog variables or FRED series ids, comma-separated (e.g. ust10y,DGS2)")
      ->required()
      ->delimiter(',');
  fr->add_option("--from", *fr_from, "First observation date, YYYY-MM-DD (inclusive)")->required();
  fr->add_option("--to", *fr_to, "Last observation date, YYYY-MM-DD (inclusive)")->required();
  fr->add_flag("--json", *fr_json, "Machine-readable report");
  fr->callback([=] {
    const Date from = parse_date_input(*fr_from, "from");
    const Date to = parse_date_input(*fr_to, "to");
    if (to < from) throw Error(ErrorKind::invalid_input, "--from must not be after --to");
    std::vector<FredSeriesRef> refs;
    for (const auto& name : *fr_series) {
      if (!name.empty()) refs.push_back(resolve_fred_series(name));
    }
    if (refs.empty()) throw Error(ErrorKind::invalid_input, "--series names no series");
    auto options = adapters::FredOptions::from_env();  // throws when the key is missing
    adapters::ApiClientDeps deps;
    deps.log = progress_log(*fr_json);
    adapters::FredClient client(std::move(options), std::move(deps));

    std::vector<app::MacroPoint> points;
    for (const auto& ref : refs) {
      adapters::FredSeries s = client.fetch(ref.fred_id, from, to);
      if (!*fr_json) {
        std::cerr << "fred: " << ref.fred_id << " -> " << ref.variable << ": "
                  << s.observations.size() << " observations, " << s.missing
                  << " missing ('.') skipped, " << s.invalid.size() << " invalid\n";
        for (const auto& bad : s.invalid) {
          std::cerr << "fred: " << ref.fred_id << " " << bad.observation.date << ": " << bad.reason
                    << "\n";
        }
      }
      for (auto& o : s.observations) {
        points.push_back(
            app::MacroPoint{ref.variable, std::move(o.date), std::move(o.value), std::move(o.raw)});
      }
      // Invalid values go to the importer too, which rejects them with a reason: nothing lost.
      for (auto& bad : s.invalid) {
        points.push_back(app::MacroPoint{ref.variable, std::move(bad.observation.date),
                                         std::move(bad.observation.value),
                                         std::move(bad.observation.raw)});
      }
    }
    exit_with(finish_macro_report(
        app::ingest_macro_points(services(), points, adapters::FredClient::kSource), *fr_json));
  });
}

void add_ingest_api_commands(CLI::App& ingest) {
  add_twelvedata(ingest);
  add_fred(ingest);
}

}  // namespace usdcop::cli
