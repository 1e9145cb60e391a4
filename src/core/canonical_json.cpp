#include "core/canonical_json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "core/sha256.hpp"

namespace usdcop {
namespace {

void append_value(std::string& out, const nlohmann::json& v) {
  using T = nlohmann::json::value_t;
  switch (v.type()) {
    case T::null:
      out += "null";
      return;
    case T::boolean:
      out += v.get<bool>() ? "true" : "false";
      return;
    case T::number_integer:
      out += std::to_string(v.get<std::int64_t>());
      return;
    case T::number_unsigned:
      out += std::to_string(v.get<std::uint64_t>());
      return;
    case T::number_float: {
      const double d = v.get<double>();
      if (!std::isfinite(d))
        throw Error(ErrorKind::invalid_input, "canonical JSON: a number is not finite");
      append_canonical_number(out, d);
      return;
    }
    case T::string:
      append_canonical_string(out, v.get_ref<const std::string&>());
      return;
    case T::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ',';
        first = false;
        append_value(out, e);
      }
      out += ']';
      return;
    }
    case T::object: {
      // nlohmann's object is a std::map<std::string>: byte order of UTF-8 keys is code-point
      // order, which is what Python's sort_keys gives.
      out += '{';
      bool first = true;
      for (const auto& [key, e] : v.items()) {
        if (!first) out += ',';
        first = false;
        append_canonical_string(out, key);
        out += ':';
        append_value(out, e);
      }
      out += '}';
      return;
    }
    case T::binary:
    case T::discarded:
      break;
  }
  throw Error(ErrorKind::invalid_input, "canonical JSON: a value is not JSON data");
}

}  // namespace

// Shortest round-trip digits (std::to_chars), laid out as Python's repr(float): fixed notation
// for decimal exponents -5 < e < 16 ("0.0006", "5.0", "123.25"), scientific otherwise
// ("9.042127679274034e-07", "1e+16"), exponent signed and at least two digits.
void append_canonical_number(std::string& out, double v) {
  if (v == 0.0) v = 0.0;  // no "-0.0"
  char buf[40];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  if (sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const std::size_t epos = sci.find('e');
  std::string digits;
  for (const char ch : sci.substr(0, epos)) {
    if (ch != '.') digits += ch;
  }
  int exp = 0;
  std::from_chars(sci.data() + epos + (sci[epos + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exp);
  const int n = static_cast<int>(digits.size());
  if (exp < -4 || exp >= 16) {
    out += digits[0];
    if (n > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += exp < 0 ? "e-" : "e+";
    const int a = exp < 0 ? -exp : exp;
    if (a < 10) out += '0';
    out += std::to_string(a);
  } else if (exp < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-exp - 1), '0');
    out += digits;
  } else if (exp + 1 >= n) {
    out += digits;
    out.append(static_cast<std::size_t>(exp + 1 - n), '0');
    out += ".0";
  } else {
    out.append(digits, 0, static_cast<std::size_t>(exp + 1));
    out += '.';
    out.append(digits, static_cast<std::size_t>(exp + 1));
  }
}

// Python's json with ensure_ascii=False escapes '"', '\\', \n \r \t \b \f by name and other
// characters below 0x20 as \u00XX (lowercase hex); everything else is written as is.
void append_canonical_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string canonical_json(const nlohmann::json& value) {
  std::string out;
  append_value(out, value);
  return out;
}

std::string canonical_json_sha256(const nlohmann::json& value) {
  return sha256_hex(canonical_json(value));
}

}  // namespace usdcop
