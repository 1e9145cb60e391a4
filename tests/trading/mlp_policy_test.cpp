#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

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

namespace {

// The kernels MlpPolicy used before issue 14 (axpy over the outputs, four inputs per pass),
// copied verbatim with their clone attributes, as the reference for bit-identity.
__attribute__((target_clones("avx2", "default"))) void old_dense_forward(
    const float* __restrict wt, const float* __restrict bias, const float* __restrict x, int in,
    int out, float* __restrict y) {
  for (int o = 0; o < out; ++o) y[o] = bias[o];
  const auto stride = static_cast<std::size_t>(out);
  int i = 0;
  // Four inputs per pass over y: a quarter of the loads/stores of y, and the additions stay
  // in the same order as one input at a time (bit-identical results).
  for (; i + 4 <= in; i += 4) {
    const float x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
    const float* __restrict r0 = wt + static_cast<std::size_t>(i) * stride;
    const float* __restrict r1 = r0 + stride;
    const float* __restrict r2 = r1 + stride;
    const float* __restrict r3 = r2 + stride;
    for (int o = 0; o < out; ++o)
      y[o] = (((y[o] + r0[o] * x0) + r1[o] * x1) + r2[o] * x2) + r3[o] * x3;
  }
  for (; i < in; ++i) {
    const float xi = x[i];
    const float* __restrict row = wt + static_cast<std::size_t>(i) * stride;
    for (int o = 0; o < out; ++o) y[o] += row[o] * xi;
  }
}

__attribute__((target_clones("avx2", "default"))) void old_tanh_inplace(float* x, int n) {
  // Rational approximation of tanh on [-7.9, 7.9] (as in Eigen's fast float tanh); outside,
  // tanh is +/-1 to float precision.
  constexpr float kClamp = 7.90531110763549805f;
  constexpr float a1 = 4.89352455891786e-03f, a3 = 6.37261928875436e-04f,
                  a5 = 1.48572235717979e-05f, a7 = 5.12229709037114e-08f,
                  a9 = -8.60467152213735e-11f, a11 = 2.00018790482477e-13f,
                  a13 = -2.76076847742355e-16f;
  constexpr float b0 = 4.89352518554385e-03f, b2 = 2.26843463243900e-03f,
                  b4 = 1.18534705686654e-04f, b6 = 1.19825839466702e-06f;
  for (int i = 0; i < n; ++i) {
    float v = x[i];
    v = v < -kClamp ? -kClamp : (v > kClamp ? kClamp : v);
    const float v2 = v * v;
    float p = v2 * a13 + a11;
    p = v2 * p + a9;
    p = v2 * p + a7;
    p = v2 * p + a5;
    p = v2 * p + a3;
    p = v2 * p + a1;
    p = v * p;
    float q = v2 * b6 + b4;
    q = v2 * q + b2;
    q = v2 * q + b0;
    x[i] = p / q;
  }
}

// The action of `layers` through the old kernels.
double old_act(const std::vector<MlpLayer>& layers, const std::array<float, 15>& obs) {
  std::vector<float> in(obs.begin(), obs.end());
  for (std::size_t k = 0; k < layers.size(); ++k) {
    const auto& l = layers[k];
    std::vector<float> wt(l.weights.size()), out(static_cast<std::size_t>(l.out));
    for (int o = 0; o < l.out; ++o)
      for (int i = 0; i < l.in; ++i)
        wt[static_cast<std::size_t>(i * l.out + o)] =
            l.weights[static_cast<std::size_t>(o * l.in + i)];
    old_dense_forward(wt.data(), l.bias.data(), in.data(), l.in, l.out, out.data());
    if (k + 1 < layers.size()) old_tanh_inplace(out.data(), l.out);
    in = out;
  }
  return in[0];
}

}  // namespace

TEST(MlpPolicy, RegisterBlockedKernelGivesBitIdenticalActionsToThePreviousKernel) {
  // 256-256 (the default actor) and widths that leave a remainder after the 64-wide blocks.
  for (const std::vector<int>& hidden : {std::vector<int>{256, 256}, std::vector<int>{70, 33}}) {
    MlpPolicy policy = MlpPolicy::random(hidden, 17, 1.5);
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<float> u(-4.0f, 4.0f);
    for (int n = 0; n < 300; ++n) {
      std::array<float, 15> obs{};
      for (auto& x : obs) x = u(rng);
      const double now = policy.act(obs);
      const double before = old_act(policy.layers(), obs);
      ASSERT_EQ(now, before) << "observation " << n << " of hidden " << hidden[0] << "-"
                             << hidden[1];
    }
  }
}
