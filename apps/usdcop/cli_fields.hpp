#pragma once
// How the CLI spells the offending input of a usdcop::Error (docs/ARCHITECTURE.md, "Errors"):
// the core names it by its logical field ("backtest_id"); this one table turns that into the
// flag or argument the user typed ("--backtest"). The API spells the same field as
// `"field": "backtest_id"` in its error body.
#include <string>
#include <string_view>

namespace usdcop::cli {

// The CLI spelling of a logical field: its flag or positional argument when the table has one,
// else the logical name itself ("principal"); "" for "".
std::string cli_spelling(std::string_view field);

// The one-line message printed after "usdcop: error: ": "<spelling>: <message>" when the error
// names a field, else the message.
std::string cli_error_message(std::string_view field, std::string_view message);

}  // namespace usdcop::cli
