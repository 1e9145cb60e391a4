#include "events/payload_fields.hpp"

#include "core/error.hpp"

namespace usdcop::events {

PayloadFields::PayloadFields(Channel channel, std::string_view payload) : channel_(channel) {
  try {
    object_ = nlohmann::json::parse(payload);
  } catch (const nlohmann::json::parse_error& e) {
    fail("payload", std::string("is not JSON (") + e.what() + ")");
  }
  if (!object_.is_object()) fail("payload", "is not a JSON object");
}

void PayloadFields::fail(const std::string& field, const std::string& why) const {
  throw Error(ErrorKind::invalid_input,
              std::string(channel_name(channel_)) + " notification: " + field + " " + why, field);
}

const nlohmann::json& PayloadFields::required(const char* name) const {
  const auto it = object_.find(name);
  if (it == object_.end()) fail(name, "is missing");
  return *it;
}

std::string PayloadFields::text(const char* name, bool allow_empty) const {
  const auto& v = required(name);
  if (!v.is_string()) fail(name, "must be a string");
  auto s = v.get<std::string>();
  if (s.empty() && !allow_empty) fail(name, "must not be empty");
  return s;
}

std::optional<std::string> PayloadFields::nullable_text(const char* name) const {
  if (required(name).is_null()) return std::nullopt;
  return text(name);
}

int64_t PayloadFields::integer(const char* name, int64_t minimum) const {
  const auto& v = required(name);
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    fail(name, "is too large");
  }
  if (!v.is_number_integer()) fail(name, "must be an integer");
  const auto n = v.get<int64_t>();
  if (n < minimum)
    fail(name, "must be >= " + std::to_string(minimum) + " (got " + std::to_string(n) + ")");
  return n;
}

double PayloadFields::number(const char* name) const {
  const auto& v = required(name);
  if (!v.is_number()) fail(name, "must be a number");
  return v.get<double>();
}

bool PayloadFields::boolean(const char* name) const {
  const auto& v = required(name);
  if (!v.is_boolean()) fail(name, "must be true or false");
  return v.get<bool>();
}

Timestamp PayloadFields::time(const char* name) const {
  const auto s = text(name);
  std::string why;
  const auto t = parse_timestamp(s, &why);
  if (!t) fail(name, "'" + s + "' is not an RFC 3339 time" + (why.empty() ? "" : ": " + why));
  return *t;
}

}  // namespace usdcop::events
