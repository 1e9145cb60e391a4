#include <gtest/gtest.h>

#include "core/error.hpp"
#include "run_dir_fixture.hpp"
#include "trading/run_artifacts.hpp"

using namespace usdcop;

namespace {

void expect_integrity_error_naming(const std::filesystem::path& dir, const std::string& file) {
  try {
    trading::verify_run_directory(dir);
    FAIL() << "expected an integrity error naming " << file;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::integrity) << e.what();
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(RunArtifacts, VerifiesAnIntactRunAndLoadsItsPolicy) {
  const auto dir = test_fixture::write_run_dir(test_fixture::fresh_dir("intact"), "ppo_test_s1", 1);
  const auto run = trading::verify_run_directory(dir);
  EXPECT_EQ(run.run_id, "ppo_test_s1");
  EXPECT_EQ(run.seed, 1);
  ASSERT_TRUE(run.training_end);
  EXPECT_EQ(format_date(*run.training_end), "2024-12-30");
  auto bundle = trading::load_policy_bundle(dir);
  ASSERT_TRUE(bundle.policy);
  EXPECT_EQ(bundle.norm_stats.feature_order_hash, features::feature_order_hash());
  std::filesystem::remove_all(dir);
}

TEST(RunArtifacts, TamperedFileIsAnIntegrityErrorNamingIt) {
  const auto dir = test_fixture::write_run_dir(test_fixture::fresh_dir("tamper"), "ppo_test_s2", 2);
  {
    std::fstream f(dir / "actor.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x7f');
  }
  expect_integrity_error_naming(dir, "actor.bin");
  EXPECT_THROW(trading::load_policy_bundle(dir), Error);
  std::filesystem::remove_all(dir);
}

TEST(RunArtifacts, EditedConfigAndMissingFilesAreNamed) {
  const auto dir =
      test_fixture::write_run_dir(test_fixture::fresh_dir("missing"), "ppo_test_s3", 3);
  std::ofstream(dir / "config.yaml", std::ios::app) << "# edited\n";
  expect_integrity_error_naming(dir, "config.yaml");
  test_fixture::write_run_dir(dir, "ppo_test_s3", 3);
  std::filesystem::remove(dir / "norm_stats.json");
  expect_integrity_error_naming(dir, "norm_stats.json");
  std::filesystem::remove_all(dir);
}

TEST(RunArtifacts, MalformedRunJsonNamesTheField) {
  const auto dir =
      test_fixture::write_run_dir(test_fixture::fresh_dir("malformed"), "ppo_test_s4", 4);
  auto run = nlohmann::json::parse(std::ifstream(dir / "run.json"));
  run.erase("model_hash");
  std::ofstream(dir / "run.json") << run.dump();
  try {
    trading::verify_run_directory(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("model_hash"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}
