#pragma once
// Principal names (spec 12): unique after NFKC case folding, in one script, without control
// characters, so `Rita`, `ｒｉｔａ` and `rita` are one principal and a Cyrillic look-alike of
// `rita` is refused instead of becoming a second one.
#include <cstddef>
#include <string>
#include <string_view>

namespace usdcop::identity {

inline constexpr std::size_t kMaxPrincipalNameChars = 64;

// The canonical (NFKC-casefolded) form of a name a person typed. Throws Error(invalid_input)
// naming `field` when the name is empty, longer than kMaxPrincipalNameChars characters, not
// UTF-8, holds whitespace, control or format characters or anything but letters, marks, digits
// and `.`, `-`, `_`, `@` (so the `system:` names of service principals cannot be taken), or
// mixes scripts.
std::string canonical_principal_name(std::string_view raw, std::string_view field = "name");

}  // namespace usdcop::identity
