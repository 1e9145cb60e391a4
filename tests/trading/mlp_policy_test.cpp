#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "trading/mlp_policy.hpp"
#include "trading/signal.hpp"

using namespace usdcop;
using trading::MlpLayer;
using trading::MlpPolicy;

namespace {

std::filesystem::path temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() /
           ("usdcop_mlp_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

// 15 -> 2 (tanh) -> 1: only inputs 0 and 1 matter.
MlpPolicy tiny() {
  MlpLayer h{15, 2, std::vector<float>(30, 0.0f), {0.1f, -0.2f}};
  h.weights[0 * 15 + 0] = 0.5f;  // h0 = tanh(0.5 x0 - 1 x1 + 0.1)
  h.weights[0 * 15 + 1] = -1.0f;
  h.weights[1 * 15 + 0] = 2.0f;  // h1 = tanh(2 x0 + 0.25 x1 - 0.2)
  h.weights[1 * 15 + 1] = 0.25f;
  MlpLayer o{2, 1, {1.5f, -0.75f}, {0.05f}};  // y = 1.5 h0 - 0.75 h1 + 0.05
  return MlpPolicy({h, o});
}

}  // namespace

TEST(MlpPolicy, MatchesAHandComputedNetwork) {
  auto p = tiny();
  std::array<float, 15> obs{};
  obs[0] = 0.3f;
  obs[1] = -0.4f;
  obs[7] = 99.0f;  // weight 0: ignored
  const double h0 = std::tanh(0.5 * 0.3 - 1.0 * -0.4 + 0.1);
  const double h1 = std::tanh(2.0 * 0.3 + 0.25 * -0.4 - 0.2);
  const double expected = 1.5 * h0 - 0.75 * h1 + 0.05;
  EXPECT_NEAR(p.act(trading::Observation(obs)), expected, 1e-6);
  // Same answer again: no state between calls.
  EXPECT_NEAR(p.act(trading::Observation(obs)), expected, 1e-6);
}

TEST(MlpPolicy, FastTanhIsAccurate) {
  std::vector<float> x;
  for (int i = -2000; i <= 2000; ++i) x.push_back(static_cast<float>(i) * 0.006f);
  auto y = x;
  trading::tanh_inplace(y.data(), static_cast<int>(y.size()));
  for (std::size_t i = 0; i < x.size(); ++i)
    EXPECT_NEAR(y[i], std::tanh(static_cast<double>(x[i])), 2e-6) << x[i];
  float big[2] = {40.0f, -40.0f};
  trading::tanh_inplace(big, 2);
  EXPECT_NEAR(big[0], 1.0f, 1e-6);
  EXPECT_NEAR(big[1], -1.0f, 1e-6);
}

TEST(MlpPolicy, SaveLoadRoundTripInTheActorFormat) {
  const auto dir = temp_dir("roundtrip");
  auto p = MlpPolicy::random({16, 8}, 7);
  p.save(dir);
  EXPECT_EQ(std::filesystem::file_size(dir / "actor.bin"),
            ((15 + 1) * 16 + (16 + 1) * 8 + (8 + 1) * 1) * 4u);
  auto q = MlpPolicy::load(dir);
  std::array<float, 15> obs{};
  for (int i = 0; i < 15; ++i)
    obs[static_cast<std::size_t>(i)] = 0.1f * static_cast<float>(i) - 0.5f;
  EXPECT_EQ(p.act(trading::Observation(obs)), q.act(trading::Observation(obs)));
  std::filesystem::remove_all(dir);
}

TEST(MlpPolicy, RefusesMalformedFilesNamingTheField) {
  const auto dir = temp_dir("bad");
  MlpPolicy::random({4}, 1).save(dir);
  std::ofstream(dir / "actor.json")
      << R"({"format":"usdcop-mlp-v1","input_size":15,"hidden_sizes":[5],)"
         R"("activation":"tanh","output_size":1,"weights_file":"actor.bin"})";
  try {
    MlpPolicy::load(dir);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("actor.bin"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "actor.json")
      << R"({"format":"usdcop-mlp-v1","input_size":15,"hidden_sizes":[4],)"
         R"("activation":"relu","output_size":1})";
  EXPECT_THROW(MlpPolicy::load(dir), Error);
  std::filesystem::remove_all(dir);
}

TEST(ScriptedPolicies, FlatHoldAndSeededRandom) {
  std::array<float, 15> obs{};
  trading::FlatPolicy flat;
  trading::BuyAndHoldPolicy hold;
  EXPECT_EQ(trading::signal_for_action(flat.act(trading::Observation(obs))),
            trading::Signal::kHold);
  EXPECT_EQ(trading::signal_for_action(hold.act(trading::Observation(obs))),
            trading::Signal::kLong);
  trading::RandomPolicy a(3), b(3), c(4);
  int longs = 0;
  for (int i = 0; i < 3000; ++i) {
    const double x = a.act(trading::Observation(obs));
    EXPECT_EQ(x, b.act(trading::Observation(obs)));
    ASSERT_GE(x, -1.0);
    ASSERT_LT(x, 1.0);
    if (trading::signal_for_action(x) == trading::Signal::kLong) ++longs;
    (void)c.act(trading::Observation(obs));
  }
  EXPECT_NEAR(longs / 3000.0, 0.335, 0.04);
  EXPECT_NE(trading::RandomPolicy(3).act(trading::Observation(obs)),
            trading::RandomPolicy(4).act(trading::Observation(obs)));
}
