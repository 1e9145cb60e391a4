#pragma once
// Free text at the doors (spec 12, issue 12): lengths counted in characters (not bytes),
// reasons that only look filled (Unicode whitespace, zero-width and other invisible
// characters) refused, control characters refused, and safe rendering of stored text in a
// terminal and in CSV cells (spreadsheet formula injection).
#include <cstddef>
#include <string>
#include <string_view>

namespace usdcop {

inline constexpr std::size_t kMaxReasonChars = 2000;

// Code points of valid UTF-8; throws Error(invalid_input) naming `field` when it is not UTF-8.
std::size_t utf8_chars(std::string_view text, std::string_view field);
// True when every character is whitespace or invisible (zero-width, joiners, BOM, soft hyphen).
bool blank_looking(std::string_view text);

// A reason or comment: valid UTF-8 without control characters other than newline and tab,
// at least `min_chars` characters not counting invisible ones (zero-width, BOM, ...) and the
// whitespace around the text, and at most `max_chars` characters in all. Throws
// Error(invalid_input) with `field` (the input's logical name: Error::field) and the rule.
void require_reason(std::string_view text, std::string_view field, std::size_t min_chars,
                    std::size_t max_chars = kMaxReasonChars);

// For a terminal: control characters (C0, DEL, C1, bidi overrides) become visible escapes
// (\n, \x1b, \u202e), so stored text cannot move the cursor, recolour or reorder the screen.
std::string terminal_safe(std::string_view text);
// For a CSV or spreadsheet cell: a value starting with = + - @ tab or CR gets a leading '
// (OWASP's advice), so `=HYPERLINK(...)` stays text.
std::string spreadsheet_safe(std::string_view cell);

}  // namespace usdcop
