// usdcop calendar holidays|session|is-open
#include <iostream>

#include "cli_context.hpp"
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/time_input.hpp"

namespace usdcop::cli {

void add_calendar_commands(CLI::App& app) {
  auto* cal = app.add_subcommand("calendar", "Trading calendar: holidays, sessions, market hours");
  cal->require_subcommand(1);

  auto* hol =
      cal->add_subcommand("holidays", "List public holidays of a year (one ISO date per line)");
  auto year = std::make_shared<int>(0);
  auto country = std::make_shared<std::string>("CO");
  auto hol_json = std::make_shared<bool>(false);
  hol->add_option("--year", *year, "Year, e.g. 2026")->required()->check(CLI::Range(1583, 9999));
  hol->add_option("--country", *country, "CO (Colombia, default) or US")
      ->check(CLI::IsMember({"CO", "US"}));
  hol->add_flag("--json", *hol_json, "Machine-readable output");
  hol->callback([=] {
    const auto list = holidays(*year, *country == "US" ? Country::US : Country::CO);
    if (*hol_json) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& h : list) j.push_back({{"date", format_date(h.date)}, {"name", h.name}});
      print_json(j);
      return;
    }
    for (const auto& h : list) std::cout << format_date(h.date) << "\n";
  });

  auto* ses = cal->add_subcommand(
      "session", "The 60 bar open times (UTC) of a date's session; nothing on a non-trading day");
  auto date = std::make_shared<std::string>();
  auto ses_json = std::make_shared<bool>(false);
  ses->add_option("DATE", *date, "Date in COT, YYYY-MM-DD")->required();
  ses->add_flag("--json", *ses_json, "Machine-readable output");
  ses->callback([=] {
    const Date d = parse_date_input(*date, "day");
    const auto bars = session_bar_times(d);
    if (*ses_json) {
      nlohmann::json j = {
          {"date", *date}, {"trading_day", !bars.empty()}, {"bars", nlohmann::json::array()}};
      for (auto t : bars) j["bars"].push_back(format_rfc3339(t));
      print_json(j);
      return;
    }
    for (auto t : bars) std::cout << format_rfc3339(t) << "\n";
  });

  auto* open = cal->add_subcommand("is-open", "Is the market open at TIME? Prints open or closed");
  auto when = std::make_shared<std::string>();
  auto open_json = std::make_shared<bool>(false);
  open->add_option("TIME", *when, "RFC 3339 time with offset, e.g. 2026-03-02T13:00:00Z")
      ->required();
  open->add_flag("--json", *open_json, "Machine-readable output");
  open->callback([=] {
    const Timestamp t = parse_timestamp_input(*when, "time");
    const bool is_open = is_market_open(t);
    if (*open_json) {
      print_json({{"time", format_rfc3339(t)}, {"cot", format_cot(t)}, {"open", is_open}});
    } else {
      std::cout << (is_open ? "open" : "closed") << "\n";
    }
  });
}

}  // namespace usdcop::cli
