#include "core/canonical_json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>

#include "core/error.hpp"
#include "core/sha256.hpp"

using namespace usdcop;

namespace {
std::string num(double v) {
  return canonical_json(nlohmann::json(v));
}
}  // namespace

TEST(CanonicalJson, NumbersAreWrittenAsPythonsRepr) {
  EXPECT_EQ(num(100.0), "100.0");
  EXPECT_EQ(num(3.859998619210949), "3.859998619210949");  // not dump's 3.8599986192109488
  EXPECT_EQ(num(1e-5), "1e-05");
  EXPECT_EQ(num(1e-7), "1e-07");
  EXPECT_EQ(num(0.0001), "0.0001");
  EXPECT_EQ(num(1e16), "1e+16");
  EXPECT_EQ(num(1e15), "1000000000000000.0");
  EXPECT_EQ(num(123456789012345.67), "123456789012345.67");
  EXPECT_EQ(num(1.5e300), "1.5e+300");
  EXPECT_EQ(num(-2.5e-10), "-2.5e-10");
  EXPECT_EQ(num(5e-324), "5e-324");
  EXPECT_EQ(num(0.1), "0.1");
  EXPECT_EQ(num(-0.0), "0.0");  // -0.0 is replaced by 0.0 before writing
  EXPECT_EQ(canonical_json(nlohmann::json(42)), "42");
  EXPECT_EQ(canonical_json(nlohmann::json(-7)), "-7");
  EXPECT_EQ(canonical_json(nlohmann::json(std::uint64_t{18446744073709551615ULL})),
            "18446744073709551615");
  EXPECT_THROW(num(std::nan("")), Error);
  EXPECT_THROW(num(std::numeric_limits<double>::infinity()), Error);
}

TEST(CanonicalJson, KeysSortedNoWhitespaceStringsAsUtf8) {
  const auto j = nlohmann::json::parse(
      R"({"b": [1, 2.5, null, true, false], "a": {"z": "é\"\\\n\t\u0001", "y": {}}, "ä": [], "Z": 1})");
  EXPECT_EQ(canonical_json(j),
            "{\"Z\":1,\"a\":{\"y\":{},\"z\":\"é\\\"\\\\\\n\\t\\u0001\"},\"b\":[1,2.5,null,true,"
            "false],\"ä\":[]}");
  EXPECT_EQ(canonical_json_sha256(j), sha256_hex(canonical_json(j)));
}

// Python's json.dumps(sort_keys=True, separators=(',', ':'), ensure_ascii=False) of what it
// parsed from our bytes gives our bytes back: thousands of random doubles (every exponent),
// integers and strings.
TEST(CanonicalJson, PythonJsonDumpsReproducesTheBytes) {
  std::mt19937_64 rng(20261127);
  auto values = nlohmann::json::array();
  for (int i = 0; i < 4000; ++i) {
    std::uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    values.push_back(d);
  }
  std::uniform_real_distribution<double> price(3000, 5000);
  for (int i = 0; i < 2000; ++i) values.push_back(price(rng) * std::pow(10.0, i % 40 - 20));
  for (int i = 0; i < 100; ++i) values.push_back(static_cast<double>(i) * 1e14);
  values.push_back(nlohmann::json{{"ñandú", "€ x\u001f"}, {"Ωmega", {1, -1, 0}}, {"alpha", -0.0}});
  const std::string ours = canonical_json(values);
  const auto dir = std::filesystem::temp_directory_path() / "usdcop_canonical_json_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "in.json", std::ios::binary) << ours;
  const std::string script =
      "import json,sys\n"
      "v=json.loads(open(sys.argv[1],encoding='utf-8').read())\n"
      "sys.stdout.buffer.write(json.dumps(v,sort_keys=True,separators=(',',':'),"
      "ensure_ascii=False).encode('utf-8'))\n";
  std::ofstream(dir / "dump.py") << script;
  const int rc = std::system(("/usr/bin/python3 " + (dir / "dump.py").string() + " " +
                              (dir / "in.json").string() + " >" + (dir / "out.json").string())
                                 .c_str());
  ASSERT_EQ(rc, 0);
  std::ifstream in(dir / "out.json", std::ios::binary);
  const std::string python((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(python.size(), ours.size());
  EXPECT_TRUE(python == ours);
  std::filesystem::remove_all(dir);
}
