// Principal names: NFKC case folding makes look-alike spellings one principal; mixed scripts,
// control and invisible characters, whitespace and overlong names are refused.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "identity/principal_name.hpp"
#include "identity/token.hpp"

using namespace usdcop;
using identity::canonical_principal_name;

namespace {
std::string refusal(const std::string& name) {
  try {
    canonical_principal_name(name, "NAME");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    return e.what();
  }
  return "";
}
}  // namespace

TEST(PrincipalName, CaseAndCompatibilityFormsAreOnePrincipal) {
  EXPECT_EQ(canonical_principal_name("rita"), "rita");
  EXPECT_EQ(canonical_principal_name("Rita"), "rita");
  EXPECT_EQ(canonical_principal_name("RITA"), "rita");
  EXPECT_EQ(canonical_principal_name("\xEF\xBD\x92\xEF\xBD\x89\xEF\xBD\x94\xEF\xBD\x81"),
            "rita");  // fullwidth ｒｉｔａ
  EXPECT_EQ(canonical_principal_name("Stra\xC3\x9F"
                                     "e"),
            "strasse");  // Straße
  EXPECT_EQ(canonical_principal_name("Jos\xC3\xA9"), canonical_principal_name("Jose\xCC\x81"));
  EXPECT_EQ(canonical_principal_name("ops.lead-1@desk_a"), "ops.lead-1@desk_a");
  EXPECT_EQ(canonical_principal_name("\xD0\xA0\xD0\xB8\xD1\x82\xD0\xB0"),
            "\xD1\x80\xD0\xB8\xD1\x82\xD0\xB0");  // Рита -> рита: one script is fine
}

TEST(PrincipalName, LookAlikesControlCharactersAndBlanksAreRefused) {
  EXPECT_NE(refusal("r\xD1\x96ta").find("mixes scripts"), std::string::npos);  // Cyrillic і
  EXPECT_NE(refusal("rita ").find("whitespace"), std::string::npos);
  EXPECT_NE(refusal(" rita").find("whitespace"), std::string::npos);
  EXPECT_NE(refusal("ri\nta").find("control"), std::string::npos);
  EXPECT_NE(refusal("ri\x1b[31mta").find("control"), std::string::npos);
  EXPECT_NE(refusal("ri\xE2\x80\x8Bta").find("invisible"), std::string::npos);  // zero-width
  EXPECT_NE(refusal("\xE2\x80\xAE"
                    "atir")
                .find("invisible"),
            std::string::npos);  // RLO
  EXPECT_NE(refusal("").find("empty"), std::string::npos);
  EXPECT_NE(refusal("system:monitor").find("letters, digits"), std::string::npos);
  EXPECT_NE(refusal("rita\xff").find("UTF-8"), std::string::npos);
  EXPECT_NE(refusal(std::string(65, 'a')).find("65 characters"), std::string::npos);
  EXPECT_EQ(canonical_principal_name(std::string(64, 'a')), std::string(64, 'a'));
  // 64 two-byte characters are 64 characters, not 128.
  std::string accents;
  for (int i = 0; i < 64; ++i) accents += "\xC3\xA1";
  EXPECT_EQ(refusal(accents), "");
}

TEST(Tokens, AreRandomPrefixedAndStoredAsTheirHash) {
  const auto a = identity::generate_token();
  const auto b = identity::generate_token();
  EXPECT_NE(a.secret, b.secret);
  EXPECT_TRUE(a.secret.starts_with("usdcop_"));
  EXPECT_EQ(a.secret.size(), 7u + 64u);
  EXPECT_EQ(a.sha256, identity::token_sha256(a.secret));
  EXPECT_EQ(a.sha256.size(), 64u);
  EXPECT_EQ(identity::token_scopes(models::Role::admin, {}),
            std::vector<std::string>{"oracle.admin"});
  EXPECT_EQ(identity::token_scopes(models::Role::viewer, {"oracle.publisher"}),
            (std::vector<std::string>{"oracle.publisher", "oracle.reader"}));
  EXPECT_THROW(identity::token_scopes(models::Role::operator_, {"root"}), Error);
}
