#include "server/json_body.hpp"

#include "core/error.hpp"
#include "core/text_hygiene.hpp"
#include "store/pg_copy.hpp"

namespace usdcop::server {

std::string quote_non_finite_words(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    bool replaced = false;
    for (std::string_view word : {"-Infinity", "Infinity", "NaN"}) {
      if (text.substr(i, word.size()) == word) {
        out += '"';
        out += word;
        out += '"';
        i += word.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += c;
  }
  return out;
}

std::string json_type_name(const nlohmann::json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

std::string checked_string(const nlohmann::json& v, const std::string& field,
                           std::size_t max_chars) {
  if (!v.is_string())
    throw Error(ErrorKind::invalid_input, field + ": expected a string, got " + json_type_name(v),
                field);
  const auto& s = v.get_ref<const std::string&>();
  const std::size_t chars = utf8_chars(s, field);
  if (chars > max_chars)
    throw Error(ErrorKind::invalid_input,
                field + ": at most " + std::to_string(max_chars) + " characters (got " +
                    std::to_string(chars) + ")",
                field);
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
      throw Error(ErrorKind::invalid_input, field + ": control characters are not allowed", field);
  }
  return s;
}

JsonBody::JsonBody(std::string_view text, const std::set<std::string>& allowed) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    json_ = nlohmann::json::object();
  } else {
    try {
      json_ = nlohmann::json::parse(quote_non_finite_words(text));
    } catch (const nlohmann::json::parse_error& e) {
      throw Error(ErrorKind::invalid_input,
                  "body: malformed JSON at byte " + std::to_string(e.byte), "body");
    } catch (const nlohmann::json::out_of_range&) {
      // e.g. 1e999: valid JSON syntax, but no finite double.
      throw Error(ErrorKind::invalid_input, "body: a number is out of range (not a finite number)",
                  "body");
    }
  }
  if (!json_.is_object())
    throw Error(ErrorKind::invalid_input,
                "body: expected a JSON object, got " + json_type_name(json_), "body");
  check_fields(allowed);
}

JsonBody JsonBody::from_object(nlohmann::json object, const std::set<std::string>& allowed) {
  JsonBody b;
  b.json_ = std::move(object);
  if (!b.json_.is_object())
    throw Error(ErrorKind::invalid_input, "body: expected a JSON object", "body");
  b.check_fields(allowed);
  return b;
}

void JsonBody::check_fields(const std::set<std::string>& allowed) const {
  for (const auto& [key, value] : json_.items()) {
    if (!allowed.count(key)) {
      std::string known;
      for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
      const std::string shown = key.size() > 64 ? key.substr(0, 64) + "…" : key;
      throw Error(ErrorKind::invalid_input,
                  "unknown field '" + store::sanitize_utf8(shown) + "' (accepted: " + known + ")",
                  store::sanitize_utf8(shown));
    }
  }
}

bool JsonBody::has(const std::string& name) const {
  return find(name) != nullptr;
}

const nlohmann::json* JsonBody::find(const std::string& name) const {
  const auto it = json_.find(name);
  if (it == json_.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string JsonBody::required_string(const std::string& name, std::size_t max_chars) const {
  const auto* v = find(name);
  if (!v) throw Error(ErrorKind::invalid_input, name + ": required", name);
  return checked_string(*v, name, max_chars);
}

std::optional<std::string> JsonBody::optional_string(const std::string& name,
                                                     std::size_t max_chars) const {
  const auto* v = find(name);
  if (!v) return std::nullopt;
  return checked_string(*v, name, max_chars);
}

bool JsonBody::boolean(const std::string& name, bool fallback) const {
  const auto* v = find(name);
  if (!v) return fallback;
  if (!v->is_boolean())
    throw Error(ErrorKind::invalid_input,
                name + ": expected true or false, got " + json_type_name(*v), name);
  return v->get<bool>();
}

}  // namespace usdcop::server
