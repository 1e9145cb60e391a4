#pragma once
// Reads the fields of one decoded payload object with validation; every failure is
// Error(invalid_input) naming the logical field and the channel. Used by events/codec.cpp.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/time.hpp"
#include "events/channel.hpp"

namespace usdcop::events {

class PayloadFields {
 public:
  // Throws when `payload` is not a JSON object (field "payload").
  PayloadFields(Channel channel, std::string_view payload);

  const nlohmann::json& object() const { return object_; }

  std::string text(const char* name, bool allow_empty = false) const;
  std::optional<std::string> nullable_text(const char* name) const;  // null or not empty
  int64_t integer(const char* name, int64_t minimum) const;
  double number(const char* name) const;  // any JSON number (JSON has no NaN or infinity)
  bool boolean(const char* name) const;
  Timestamp time(const char* name) const;

  [[noreturn]] void fail(const std::string& field, const std::string& why) const;

 private:
  const nlohmann::json& required(const char* name) const;
  Channel channel_;
  nlohmann::json object_;
};

}  // namespace usdcop::events
