#include "identity/principal_name.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>

#include "core/error.hpp"

namespace usdcop::identity {

namespace {

[[noreturn]] void refuse(std::string_view field, const std::string& why) {
  throw Error(ErrorKind::invalid_input, why, std::string(field));
}

bool allowed_char(UChar32 c) {
  if (c == '.' || c == '-' || c == '_' || c == '@') return true;
  switch (u_charType(c)) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
    case U_NON_SPACING_MARK:
    case U_COMBINING_SPACING_MARK:
    case U_ENCLOSING_MARK:
    case U_DECIMAL_DIGIT_NUMBER:
      return true;
    default:
      return false;
  }
}

std::string describe(UChar32 c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

}  // namespace

std::string canonical_principal_name(std::string_view raw, std::string_view field) {
  const icu::UnicodeString text =
      icu::UnicodeString::fromUTF8(icu::StringPiece(raw.data(), static_cast<int32_t>(raw.size())));
  std::string round_trip;
  text.toUTF8String(round_trip);
  if (round_trip != raw) refuse(field, "is not valid UTF-8");
  const int32_t chars = text.countChar32();
  if (chars == 0) refuse(field, "must not be empty");
  if (static_cast<std::size_t>(chars) > kMaxPrincipalNameChars) {
    refuse(field, "is " + std::to_string(chars) + " characters long; at most " +
                      std::to_string(kMaxPrincipalNameChars) + " are allowed");
  }
  for (int32_t i = 0; i < text.length();) {
    const UChar32 c = text.char32At(i);
    if (u_iscntrl(c) || u_charType(c) == U_FORMAT_CHAR) {
      refuse(field, "holds a control or invisible character (" + describe(c) + ")");
    }
    if (u_isUWhiteSpace(c)) refuse(field, "must not contain whitespace (" + describe(c) + ")");
    if (!allowed_char(c)) {
      refuse(field, "may hold letters, digits and . - _ @ only (" + describe(c) + ")");
    }
    i += U16_LENGTH(c);
  }
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status)) throw Error(ErrorKind::internal, "ICU NFKC_Casefold is unavailable");
  const icu::UnicodeString folded = nfkc_cf->normalize(text, status);
  if (U_FAILURE(status)) refuse(field, "cannot be normalized");
  UScriptCode script = USCRIPT_INVALID_CODE;
  for (int32_t i = 0; i < folded.length();) {
    const UChar32 c = folded.char32At(i);
    i += U16_LENGTH(c);
    const UScriptCode s = uscript_getScript(c, &status);
    if (s == USCRIPT_COMMON || s == USCRIPT_INHERITED) continue;
    if (script == USCRIPT_INVALID_CODE) {
      script = s;
    } else if (s != script) {
      refuse(field, std::string("mixes scripts (") + uscript_getName(script) + " and " +
                        uscript_getName(s) + "); use one script");
    }
  }
  std::string out;
  folded.toUTF8String(out);
  if (out.empty()) refuse(field, "must not be empty");
  return out;
}

}  // namespace usdcop::identity
