// The libtorch backend is optional at configure time (USDCOP_WITH_LIBTORCH): the message a
// libtorch trainer gets in a binary built without it, checked here in either build.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "learn/ppo_backend.hpp"

namespace usdcop {
namespace {

TEST(LibtorchAvailability, TheBuildReportsWhatCMakeConfigured) {
  EXPECT_EQ(learn::libtorch_backend_built(), USDCOP_TEST_WITH_LIBTORCH != 0);
}

TEST(LibtorchAvailability, TheMissingBackendErrorSaysHowToEnableIt) {
  const Error e = learn::libtorch_not_built_error();
  EXPECT_EQ(e.kind(), ErrorKind::unavailable);  // exit status 4 (docs/CLI.md)
  EXPECT_EQ(e.field(), "ppo.backend");
  const std::string what = e.what();
  EXPECT_NE(what.find("-DUSDCOP_WITH_LIBTORCH=ON"), std::string::npos) << what;
  EXPECT_NE(what.find("libtorch-dev"), std::string::npos) << what;
  EXPECT_NE(what.find("ppo.backend: native"), std::string::npos) << what;
}

TEST(LibtorchAvailability, ALibtorchTrainerWithoutTheBackendGetsThatError) {
  if (learn::libtorch_backend_built()) {
    // In a build with libtorch the same request creates a working backend instead.
    learn::PpoBackendConfig config;
    config.kind = learn::PpoBackendKind::libtorch;
    EXPECT_NE(learn::create_ppo_backend(config), nullptr);
    return;
  }
  learn::PpoBackendConfig config;
  config.kind = learn::PpoBackendKind::libtorch;
  try {
    learn::create_ppo_backend(config);
    FAIL() << "a libtorch backend was created in a build without libtorch";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_EQ(std::string(e.what()), learn::libtorch_not_built_error().what());
  }
}

}  // namespace
}  // namespace usdcop
