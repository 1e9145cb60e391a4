// The native PPO backend against the libtorch reference (issue 14): same weights and minibatch
// give the same losses and gradients, one update gives the same weights, finite differences in
// float64 confirm the native backward, and three PPO updates from the same start learn alike.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

#include "core/calendar.hpp"
#include "core/error.hpp"
#include "learn/experiment_config.hpp"
#include "learn/native_ppo.hpp"
#include "learn/ppo_backend.hpp"
#include "learn/ppo_trainer.hpp"
#include "predictable_series.hpp"

using namespace usdcop;
using learn::PpoBackendKind;
using usdcop::learn_testing::predictable_series;

namespace {

struct Minibatch {
  int rows = 0;
  std::vector<float> obs, act, logp_old, adv, ret;
};

learn::PpoBackendConfig backend_config(PpoBackendKind kind, std::vector<int> hidden) {
  learn::PpoBackendConfig c;
  c.kind = kind;
  c.hidden_sizes = std::move(hidden);
  c.seed = 5;
  c.log_std_init = -0.3;
  return c;
}

// Random observations; actions near the current policy's mean and old log-probabilities a
// little away from the current ones, so that some ratios fall outside the clip range.
Minibatch make_minibatch(learn::PpoBackend& reference, int rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> n(0.0f, 1.0f);
  Minibatch b;
  b.rows = rows;
  b.obs.resize(static_cast<std::size_t>(rows) * 15);
  for (auto& x : b.obs) x = n(rng);
  std::vector<float> mu(static_cast<std::size_t>(rows));
  reference.forward(b.obs.data(), rows, mu.data(), nullptr);
  const double sigma = std::exp(reference.log_std());
  for (int r = 0; r < rows; ++r) {
    const auto i = static_cast<std::size_t>(r);
    const double eps = n(rng);
    b.act.push_back(static_cast<float>(mu[i] + sigma * eps));
    const double logp = -0.5 * eps * eps - std::log(sigma) - 0.91893853320467274178;
    b.logp_old.push_back(static_cast<float>(logp + 0.25 * n(rng)));
    b.adv.push_back(0.5f + 2.0f * n(rng));
    b.ret.push_back(3.0f * n(rng));
  }
  return b;
}

double inf_norm(const float* g, std::size_t n) {
  double m = 0;
  for (std::size_t i = 0; i < n; ++i) m = std::max(m, std::abs(static_cast<double>(g[i])));
  return m;
}

// Sizes of the parameter tensors in the flat order (actor W, b per layer, critic, log_std).
std::vector<std::size_t> tensor_sizes(const std::vector<int>& hidden) {
  std::vector<std::size_t> sizes;
  for (int net = 0; net < 2; ++net) {
    int in = 15;
    std::vector<int> widths = hidden;
    widths.push_back(1);
    for (int out : widths) {
      sizes.push_back(static_cast<std::size_t>(in) * static_cast<std::size_t>(out));
      sizes.push_back(static_cast<std::size_t>(out));
      in = out;
    }
  }
  sizes.push_back(1);
  return sizes;
}

void expect_relative(double native, double torch, double tol, const char* what) {
  EXPECT_LE(std::abs(native - torch), tol * std::max(std::abs(native), std::abs(torch)))
      << what << ": native " << native << ", libtorch " << torch;
}

}  // namespace

TEST(PpoAgreement, LossesAndGradientsMatchLibtorchOnTheSameWeightsAndMinibatch) {
  learn::set_tensor_threads(1);
  const std::vector<int> hidden{256, 256};
  auto torch = learn::create_ppo_backend(backend_config(PpoBackendKind::libtorch, hidden));
  auto native = learn::create_ppo_backend(backend_config(PpoBackendKind::native, hidden));
  native->set_parameters(torch->parameters());
  ASSERT_EQ(native->parameters(), torch->parameters());
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const Minibatch b = make_minibatch(*torch, 128, seed);
    const std::size_t n = torch->parameters().size();
    std::vector<float> g_torch(n), g_native(n);
    const learn::MinibatchLoss lt =
        torch->minibatch_gradients(b.obs.data(), b.act.data(), b.logp_old.data(), b.adv.data(),
                                   b.ret.data(), b.rows, g_torch.data());
    const learn::MinibatchLoss ln =
        native->minibatch_gradients(b.obs.data(), b.act.data(), b.logp_old.data(), b.adv.data(),
                                    b.ret.data(), b.rows, g_native.data());
    ASSERT_GT(lt.clip_fraction, 0.05) << "the minibatch should exercise the clipped branch";
    expect_relative(ln.loss, lt.loss, 1e-5, "loss");
    expect_relative(ln.policy_loss, lt.policy_loss, 1e-5, "policy_loss");
    expect_relative(ln.value_loss, lt.value_loss, 1e-5, "value_loss");
    expect_relative(ln.entropy, lt.entropy, 1e-5, "entropy");
    expect_relative(ln.approx_kl, lt.approx_kl, 1e-5, "approx_kl");
    EXPECT_DOUBLE_EQ(ln.clip_fraction, lt.clip_fraction);
    // Every element within 1e-5 · max(|a|, ‖g‖∞), with g the libtorch gradient of its tensor.
    std::size_t offset = 0, worst_at = 0;
    double worst = 0;
    for (std::size_t size : tensor_sizes(hidden)) {
      const double g_inf = inf_norm(g_torch.data() + offset, size);
      for (std::size_t i = offset; i < offset + size; ++i) {
        const double a = g_torch[i];
        const double err =
            std::abs(static_cast<double>(g_native[i]) - a) / std::max(std::abs(a), g_inf);
        if (err > worst) worst = err, worst_at = i;
      }
      offset += size;
    }
    EXPECT_LE(worst, 1e-5) << "element " << worst_at << ": native " << g_native[worst_at]
                           << ", libtorch " << g_torch[worst_at];
    std::cout << "seed " << seed << ": worst gradient error " << worst
              << " of max(|a|, ||g||inf) at element " << worst_at << " of " << n << ", loss "
              << lt.loss << " vs " << ln.loss << "\n";
  }
}

TEST(PpoAgreement, OneFullUpdateGivesTheSameWeights) {
  learn::set_tensor_threads(1);
  const std::vector<int> hidden{256, 256};
  auto torch = learn::create_ppo_backend(backend_config(PpoBackendKind::libtorch, hidden));
  auto native = learn::create_ppo_backend(backend_config(PpoBackendKind::native, hidden));
  native->set_parameters(torch->parameters());
  const Minibatch b = make_minibatch(*torch, 512, 9);
  // One minibatch step (forward, backward, clipping, Adam) over the first 128 rows, then a
  // whole epoch of 4 over all 512.
  for (std::int64_t total : {128, 512}) {
    std::vector<std::int64_t> order(static_cast<std::size_t>(total));
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), std::mt19937_64(3));
    const auto st = torch->update_epoch(b.obs.data(), b.act.data(), b.logp_old.data(), b.adv.data(),
                                        b.ret.data(), total, order.data(), 128);
    const auto sn = native->update_epoch(b.obs.data(), b.act.data(), b.logp_old.data(),
                                         b.adv.data(), b.ret.data(), total, order.data(), 128);
    EXPECT_EQ(sn.batches, st.batches);
    const auto pt = torch->parameters(), pn = native->parameters();
    double worst = 0;
    for (std::size_t i = 0; i < pt.size(); ++i)
      worst = std::max(worst, std::abs(static_cast<double>(pt[i]) - pn[i]));
    EXPECT_LE(worst, 1e-4) << "after " << total / 128 << " more minibatch step(s)";
    std::cout << "largest weight difference after " << total / 128 << " more step(s): " << worst
              << "\n";
    EXPECT_NEAR(native->log_std(), torch->log_std(), 1e-4);
  }
}

TEST(PpoAgreement, NativeBackwardMatchesFiniteDifferencesInDouble) {
  learn::NativePpoOptions o;
  o.hidden_sizes = {6, 5};
  learn::NativePpo<double> model(o, 16);
  model.initialize(3, -0.2);
  std::mt19937_64 rng(4);
  std::normal_distribution<double> n(0.0, 1.0);
  auto params = model.parameters();
  for (auto& p : params) p += 0.3 * n(rng);  // non-zero biases, a non-trivial actor output
  const int rows = 16;
  std::vector<double> obs(rows * 15), act(rows), logp_old(rows), adv(rows), ret(rows), mu(rows);
  for (auto& x : obs) x = n(rng);
  model.forward(obs.data(), rows, mu.data(), nullptr);
  const double log_std = params.back(), sigma = std::exp(log_std);
  const double clip = o.clip_range;
  for (int r = 0; r < rows; ++r) {
    const double z = n(rng);
    act[r] = mu[r] + sigma * z;
    const double logp = -0.5 * z * z - log_std - 0.91893853320467274178;
    // Ratios spread over both sides of the clip range, away from its kinks.
    double shift = 0;
    do shift = 0.4 * n(rng);
    while (std::abs(std::exp(shift) - (1 - clip)) < 1e-2 ||
           std::abs(std::exp(shift) - (1 + clip)) < 1e-2);
    logp_old[r] = logp - shift;
    adv[r] = n(rng);
    ret[r] = n(rng);
  }
  const learn::MinibatchLoss base = model.loss_and_gradients(
      obs.data(), act.data(), logp_old.data(), adv.data(), ret.data(), rows);
  ASSERT_GT(base.clip_fraction, 0.1);
  ASSERT_LT(base.clip_fraction, 0.9);
  const std::vector<double> analytic(model.gradients().begin(), model.gradients().end());
  double g_inf = 0;
  for (double g : analytic) g_inf = std::max(g_inf, std::abs(g));
  const double h = 1e-6;
  double worst = 0;
  std::size_t worst_at = 0;
  double worst_fd = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const double keep = params[i];
    params[i] = keep + h;
    const double up = model
                          .loss_and_gradients(obs.data(), act.data(), logp_old.data(), adv.data(),
                                              ret.data(), rows)
                          .loss;
    params[i] = keep - h;
    const double down = model
                            .loss_and_gradients(obs.data(), act.data(), logp_old.data(), adv.data(),
                                                ret.data(), rows)
                            .loss;
    params[i] = keep;
    const double fd = (up - down) / (2 * h);
    const double err = std::abs(fd - analytic[i]) / std::max(std::abs(fd), g_inf);
    if (err > worst) worst = err, worst_at = i, worst_fd = fd;
  }
  EXPECT_LT(worst, 1e-6) << "parameter " << worst_at << ": analytic " << analytic[worst_at]
                         << ", finite difference " << worst_fd;
  std::cout << params.size() << " parameters, worst relative error " << worst << "\n";
}

TEST(PpoAgreement, ThreeUpdatesFromTheSameStartLearnAlike) {
  learn::set_tensor_threads(1);
  auto train = predictable_series(40, 1);
  learn::PpoConfig cfg;  // default networks and update; shorter rollouts and episodes
  cfg.n_envs = 8;
  cfg.n_steps = 256;
  cfg.total_timesteps = 3 * 8 * 256;
  cfg.eval_every = 0;
  learn::EnvConfig env;
  env.episode_length = 64;
  std::vector<learn::UpdateLog> logs[2];
  std::vector<float> start;
  for (auto kind : {PpoBackendKind::libtorch, PpoBackendKind::native}) {
    cfg.backend = kind;
    learn::PpoTrainer trainer(cfg, env, train, nullptr, 21);
    // Same seed, same environment starts, noise and minibatch order; same initial weights
    // (the backends' generators differ, so the libtorch initialization is copied).
    if (kind == PpoBackendKind::libtorch)
      start = trainer.parameters();
    else
      trainer.set_parameters(start);
    trainer.train(
        [&](const learn::UpdateLog& l) { logs[kind == PpoBackendKind::native].push_back(l); });
  }
  ASSERT_EQ(logs[0].size(), 3u);
  ASSERT_EQ(logs[1].size(), 3u);
  std::vector<double> torch_returns, native_returns;
  for (int u = 0; u < 3; ++u) {
    const auto& t = logs[0][static_cast<std::size_t>(u)];
    const auto& n = logs[1][static_cast<std::size_t>(u)];
    EXPECT_LE(std::abs(n.approx_kl - t.approx_kl), 0.25 * t.approx_kl)
        << "update " << u + 1 << ": approx KL native " << n.approx_kl << ", libtorch "
        << t.approx_kl;
    EXPECT_LE(std::abs(n.clip_fraction - t.clip_fraction), 0.02)
        << "update " << u + 1 << ": clip fraction native " << n.clip_fraction << ", libtorch "
        << t.clip_fraction;
    std::cout << "update " << u + 1 << ": KL " << t.approx_kl << " / " << n.approx_kl << ", clip "
              << t.clip_fraction << " / " << n.clip_fraction << " (libtorch / native)\n";
    torch_returns.insert(torch_returns.end(), t.episode_returns.begin(), t.episode_returns.end());
    native_returns.insert(native_returns.end(), n.episode_returns.begin(), n.episode_returns.end());
  }
  ASSERT_GE(torch_returns.size(), 30u);
  const double nt = static_cast<double>(torch_returns.size());
  const double mean_t = std::accumulate(torch_returns.begin(), torch_returns.end(), 0.0) / nt;
  double var = 0;
  for (double r : torch_returns) var += (r - mean_t) * (r - mean_t);
  const double half_band = 1.96 * std::sqrt(var / (nt - 1)) / std::sqrt(nt);
  const double mean_n = std::accumulate(native_returns.begin(), native_returns.end(), 0.0) /
                        static_cast<double>(native_returns.size());
  EXPECT_NEAR(mean_n, mean_t, half_band)
      << "native mean episode return outside the libtorch 95% band";
  std::cout << "mean episode return: libtorch " << mean_t << " ± " << half_band << ", native "
            << mean_n << "\n";
}

TEST(PpoAgreement, ConfigSelectsTheBackendAndRejectsUnknownNames) {
  const std::string base =
      "experiment: x\ndataset:\n  splits:\n    - {name: train, start: 2024-01-02, end: "
      "2024-06-28}\n";
  EXPECT_EQ(learn::parse_experiment_config(base, "t.yaml").ppo.backend, PpoBackendKind::native);
  EXPECT_EQ(
      learn::parse_experiment_config(base + "ppo:\n  backend: libtorch\n", "t.yaml").ppo.backend,
      PpoBackendKind::libtorch);
  try {
    learn::parse_experiment_config(base + "ppo:\n  backend: tensorflow\n", "t.yaml");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ppo.backend"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("native|libtorch"), std::string::npos) << e.what();
  }
  const auto resolved = learn::resolved_yaml(
      learn::parse_experiment_config(base + "ppo:\n  backend: libtorch\n", "t.yaml"));
  EXPECT_NE(resolved.find("backend: libtorch"), std::string::npos) << resolved;
}
