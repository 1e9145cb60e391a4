// Free text at the doors: characters, not bytes; blank-looking text refused; terminal and
// spreadsheet rendering neutralised.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/text_hygiene.hpp"

using namespace usdcop;

namespace {
std::string refusal(const std::string& text, std::size_t min = 10, std::size_t max = 2000) {
  try {
    require_reason(text, "reason", min, max);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_EQ(e.field(), "reason");
    return e.what();
  }
  return "";
}
std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}
}  // namespace

TEST(TextHygiene, LengthsAreCountedInCharacters) {
  EXPECT_EQ(utf8_chars("\xC3\xA1\xC3\xA1", "x"), 2u);
  EXPECT_NE(refusal(repeat("\xC3\xA1", 5)).find("got 5"), std::string::npos);  // 10 bytes
  EXPECT_EQ(refusal(repeat("\xC3\xA1", 10)), "");
  EXPECT_NE(refusal(std::string(2001, 'a')).find("2001 characters"), std::string::npos);
  EXPECT_EQ(refusal(repeat("\xC3\xA1", 2000)), "");  // 4000 bytes, 2000 characters
  EXPECT_NE(refusal("valid text \xff here").find("UTF-8"), std::string::npos);
}

TEST(TextHygiene, BlankLookingReasonsAndControlCharactersAreRefused) {
  EXPECT_NE(refusal(repeat("\xE2\x80\x8B", 10)).find("visible"), std::string::npos);  // ZWSP
  EXPECT_NE(refusal(repeat("\xC2\xA0", 12)).find("visible"), std::string::npos);      // NBSP
  EXPECT_NE(refusal(repeat("\xE3\x80\x80", 12)).find("visible"), std::string::npos);  // ideographic
  EXPECT_NE(refusal("          ").find("visible"), std::string::npos);
  EXPECT_TRUE(blank_looking("\xEF\xBB\xBF \xE2\x81\xA0\t"));
  EXPECT_FALSE(blank_looking(" a "));
  EXPECT_NE(refusal("checked it \x1b[2J twice").find("control"), std::string::npos);
  EXPECT_EQ(refusal("line one is\nline two"), "");
}

TEST(TextHygiene, RenderingIsSafe) {
  EXPECT_EQ(terminal_safe("ri\x1b[31mta\nx"), "ri\\x1b[31mta\\nx");
  EXPECT_EQ(terminal_safe("a\xE2\x80\xAE"
                          "b"),
            "a\\u202eb");
  EXPECT_EQ(terminal_safe("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(spreadsheet_safe("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
  for (const char* s : {"+1", "-1", "@SUM(A1)", "\tx"}) EXPECT_EQ(spreadsheet_safe(s)[0], '\'');
  EXPECT_EQ(spreadsheet_safe("plain"), "plain");
}
