#pragma once
// Query parameters of GET routes, checked like bodies: a bad value is Error(invalid_input)
// naming the parameter. Times follow spec 12: a date is the COT calendar day (inclusive in
// `to`), an RFC 3339 time is exact (exclusive in `to`).
#include <httplib.h>

#include <optional>
#include <string>

#include "core/time.hpp"

namespace usdcop::server {

// The parameter's value ("" when absent), at most max_chars characters.
std::string query_text(const httplib::Request& req, const std::string& name,
                       std::size_t max_chars = 128);
// An integer in [min, max]; `fallback` when absent.
long query_long(const httplib::Request& req, const std::string& name, long fallback, long min,
                long max);

struct TimeRange {
  Timestamp from{}, to{};
};
// from/to with the given defaults when absent; Error(invalid_input) when to <= from.
TimeRange query_range(const httplib::Request& req, Timestamp default_from, Timestamp default_to);

// Refuses parameters outside `allowed` (GET routes take only what they document).
void reject_unknown_params(const httplib::Request& req,
                           std::initializer_list<std::string_view> allowed);

}  // namespace usdcop::server
