#include "core/text_hygiene.hpp"

#include <cstdio>

#include "core/error.hpp"

namespace usdcop {

namespace {

// Decodes one code point at s[i], advancing i; -1 for invalid UTF-8.
long next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  int len = b0 < 0x80 ? 1 : (b0 >> 5) == 6 ? 2 : (b0 >> 4) == 14 ? 3 : (b0 >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) return -1;
  long cp = len == 1 ? b0 : b0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr long kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += static_cast<std::size_t>(len);
  return cp;
}

bool whitespace(long c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// Zero-width, joiners, direction marks, BOM, soft hyphen, variation selectors, Hangul fillers.
bool invisible(long c) {
  return c == 0xAD || c == 0x034F || c == 0x115F || c == 0x1160 || c == 0x180E ||
         (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2060 && c <= 0x206F) || c == 0x3164 || c == 0xFEFF || c == 0xFFA0 ||
         (c >= 0xFE00 && c <= 0xFE0F);
}

bool whitespace_or_invisible(long c) {
  return whitespace(c) || invisible(c);
}

bool control(long c) {
  return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F);
}

bool reorders(long c) {  // bidirectional overrides and isolates
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F;
}

}  // namespace

std::size_t utf8_chars(std::string_view text, std::string_view field) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++n) {
    if (next_code_point(text, i) < 0)
      throw Error(ErrorKind::invalid_input, "is not valid UTF-8", std::string(field));
  }
  return n;
}

bool blank_looking(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const long c = next_code_point(text, i);
    if (c < 0) return false;
    if (!whitespace_or_invisible(c)) return false;
  }
  return true;
}

void require_reason(std::string_view text, std::string_view field, std::size_t min_chars,
                    std::size_t max_chars) {
  const std::string f(field);
  const std::size_t total = utf8_chars(text, field);
  if (total > max_chars) {
    throw Error(ErrorKind::invalid_input,
                "is " + std::to_string(total) + " characters long; at most " +
                    std::to_string(max_chars) + " are allowed",
                f);
  }
  // Characters that count: not invisible, and not whitespace before the first or after the
  // last visible one.
  std::size_t counted = 0, pending_spaces = 0;
  bool started = false;
  for (std::size_t i = 0; i < text.size();) {
    const long c = next_code_point(text, i);
    if (control(c) && c != '\n' && c != '\t') {
      char hex[32];
      std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(c));
      throw Error(ErrorKind::invalid_input, std::string("holds a control character (") + hex + ")",
                  f);
    }
    if (invisible(c)) continue;
    if (whitespace(c)) {
      if (started) ++pending_spaces;
      continue;
    }
    counted += pending_spaces + 1;
    pending_spaces = 0;
    started = true;
  }
  if (counted < min_chars) {
    throw Error(ErrorKind::invalid_input,
                "must be at least " + std::to_string(min_chars) + " characters (got " +
                    std::to_string(counted) +
                    "; surrounding spaces and invisible characters do not count)",
                f);
  }
}

std::string terminal_safe(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    const long c = next_code_point(text, i);
    char buf[32];
    if (c < 0) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(text[start]));
      out += buf;
      i = start + 1;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (control(c)) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
      out += buf;
    } else if (reorders(c)) {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out.append(text.substr(start, i - start));
    }
  }
  return out;
}

std::string spreadsheet_safe(std::string_view cell) {
  if (!cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
                        cell[0] == '\t' || cell[0] == '\r')) {
    // Built piecewise: GCC 12 at -O3 reports a false -Wrestrict on "'" + std::string(..).
    std::string out = "'";
    out.append(cell);
    return out;
  }
  return std::string(cell);
}

}  // namespace usdcop
