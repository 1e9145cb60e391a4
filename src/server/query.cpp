#include "server/query.hpp"

#include <charconv>

#include "core/error.hpp"
#include "server/json_body.hpp"

namespace usdcop::server {

std::string query_text(const httplib::Request& req, const std::string& name,
                       std::size_t max_chars) {
  if (!req.has_param(name)) return {};
  return checked_string(nlohmann::json(req.get_param_value(name)), name, max_chars);
}

long query_long(const httplib::Request& req, const std::string& name, long fallback, long min,
                long max) {
  if (!req.has_param(name)) return fallback;
  const std::string text = req.get_param_value(name);
  long v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max)
    throw Error(
        ErrorKind::invalid_input,
        name + ": expected an integer from " + std::to_string(min) + " to " + std::to_string(max),
        name);
  return v;
}

TimeRange query_range(const httplib::Request& req, Timestamp default_from, Timestamp default_to) {
  TimeRange r{default_from, default_to};
  for (const char* name : {"from", "to"}) {
    const std::string text = query_text(req, name, 64);
    if (text.empty()) continue;
    try {
      if (std::string_view(name) == "from")
        r.from = parse_time_or_date(text, name);
      else
        r.to = parse_end_bound(text, name);
    } catch (const Error& e) {
      throw Error(ErrorKind::invalid_input, e.what(), name);
    }
  }
  if (r.to <= r.from) throw Error(ErrorKind::invalid_input, "to: must be after from", "to");
  return r;
}

void reject_unknown_params(const httplib::Request& req,
                           std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : req.params) {
    bool known = false;
    for (auto a : allowed) known = known || key == a;
    if (!known) {
      const std::string shown = key.size() > 64 ? key.substr(0, 64) : key;
      throw Error(ErrorKind::invalid_input, "unknown query parameter '" + shown + "'", shown);
    }
  }
}

}  // namespace usdcop::server
