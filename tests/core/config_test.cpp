#include <gtest/gtest.h>

#include <fstream>

#include "core/config.hpp"
#include "core/error.hpp"

using namespace usdcop;

TEST(Config, RequireNamesTheKey) {
  const YAML::Node n = YAML::Load("a: 1\nb: text\n");
  EXPECT_EQ(require<int>(n, "a", "file.yaml"), 1);
  try {
    require<int>(n, "missing", "file.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "file.yaml.missing is required");
  }
  try {
    require<double>(n, "b", "file.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("file.yaml.b"), std::string::npos);
  }
  EXPECT_EQ(value_or<int>(n, "nope", 7, "file.yaml"), 7);
}

TEST(Config, MalformedYamlIsAClearError) {
  const auto path = std::filesystem::temp_directory_path() / "usdcop_bad.yaml";
  { std::ofstream(path) << "a: [1, 2\n"; }
  EXPECT_THROW(load_yaml(path), Error);
  EXPECT_THROW(load_yaml("/nonexistent/usdcop.yaml"), Error);
  std::filesystem::remove(path);
}
