#pragma once
// Times and dates given as input to a door (a CLI flag, an API query parameter): a failure is
// Error(invalid_input, "'x' is not a date ...", field), `field` being the input's logical name
// ("from", "date") that each door spells its own way (docs/ARCHITECTURE.md, "Errors"); the
// message names no flag. parse_time_or_date and parse_end_bound (core/time.hpp) follow the
// same rule: their second argument is the logical field. parse_date_or_throw and
// parse_timestamp_or_throw keep a label prefix for data read from files (a CSV column).
#include <string_view>

#include "core/time.hpp"

namespace usdcop {

Date parse_date_input(std::string_view text, std::string_view field);
Timestamp parse_timestamp_input(std::string_view text, std::string_view field);

}  // namespace usdcop
