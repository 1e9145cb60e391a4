#pragma once
// The JSON object body of a mutating call (spec 07: unknown fields rejected, strings bounded,
// never a 500 for bad input). Every refusal is Error(invalid_input) naming the field.
// Python's json.dumps writes NaN and Infinity as bare words, which are not JSON; they are read
// as the strings "NaN", "Infinity", "-Infinity" so that the caller can name the offending
// element (e.g. features[3]) instead of refusing the whole body as malformed.
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace usdcop::server {

inline constexpr std::size_t kMaxNameChars = 128;  // ids, names, claimed actors

class JsonBody {
 public:
  // An empty body is {}. Throws Error(invalid_input) for malformed JSON, a non-object, or a
  // field outside `allowed` (naming it).
  JsonBody(std::string_view text, const std::set<std::string>& allowed);
  // From query parameters already collected into an object (POST /operations/resume).
  static JsonBody from_object(nlohmann::json object, const std::set<std::string>& allowed);

  bool has(const std::string& name) const;
  std::string required_string(const std::string& name, std::size_t max_chars) const;
  std::optional<std::string> optional_string(const std::string& name, std::size_t max_chars) const;
  bool boolean(const std::string& name, bool fallback) const;
  const nlohmann::json& raw() const { return json_; }
  const nlohmann::json* find(const std::string& name) const;

 private:
  JsonBody() = default;
  void check_fields(const std::set<std::string>& allowed) const;
  nlohmann::json json_;
};

// The text with bare NaN, Infinity and -Infinity outside strings quoted (see above).
std::string quote_non_finite_words(std::string_view text);
// "a JSON string", "a number", ... for messages.
std::string json_type_name(const nlohmann::json& v);
// Checks a string value: valid UTF-8, at most max_chars characters, no control characters.
std::string checked_string(const nlohmann::json& v, const std::string& field,
                           std::size_t max_chars);

}  // namespace usdcop::server
