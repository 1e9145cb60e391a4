#pragma once
// PPO hyper-parameters (spec 03 defaults; config/experiments/*.yaml section `ppo`).
#include <cstdint>
#include <string>
#include <vector>

namespace usdcop::learn {

// Which implementation runs the tensor math (learn/ppo_backend.hpp).
enum class PpoBackendKind { native, libtorch };
const char* to_string(PpoBackendKind kind);

struct PpoConfig {
  PpoBackendKind backend = PpoBackendKind::native;  // `ppo.backend: native | libtorch`
  double learning_rate = 3e-4;                      // constant
  int n_envs = 8;
  int n_steps = 512;  // per environment and rollout
  int batch_size = 128;
  int n_epochs = 10;
  double gamma = 0.98;
  double gae_lambda = 0.95;
  double clip_range = 0.2;
  double ent_coef = 0.01;
  double vf_coef = 0.5;
  double max_grad_norm = 0.5;
  double log_std_init = 0.0;
  double adam_eps = 1e-5;
  std::int64_t total_timesteps = 2'000'000;
  std::int64_t eval_every = 50'000;  // steps between validation evaluations (0: only at the end)
  std::vector<int> hidden_sizes{256, 256};
  int threads = 0;            // OpenBLAS/OpenMP (and torch) threads; 0 = all cores
  int checkpoint_every = 10;  // updates between periodic checkpoints (0: only at an interrupt)

  std::int64_t rollout_size() const { return static_cast<std::int64_t>(n_envs) * n_steps; }
};

}  // namespace usdcop::learn
