#pragma once
// PPO (clipped objective, GAE, separate actor and critic MLPs, state-independent log-std), CPU,
// on the backend named by ppo.backend (native BLAS code or libtorch, learn/ppo_backend.hpp).
// The header is torch-free: the networks and the optimizer live in the backend.
//
// Determinism: the backend's generator (network initialization) and the trainer's own generators
// (environment starts, Gaussian action noise, minibatch order) all derive from the seed, so
// two runs with the same seed, configuration and thread count produce the same weights. A
// different thread count may change float summation order inside BLAS/ATen reductions and is
// not guaranteed to be bit-identical.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "learn/ppo_config.hpp"
#include "learn/trading_env.hpp"
#include "learn/validation_replay.hpp"

namespace usdcop::learn {

// One line of training_log.csv: the statistics of one rollout + update.
struct UpdateLog {
  std::int64_t steps = 0;
  int update = 0;
  double wall_s = 0, steps_per_s = 0;
  double mean_episode_reward = 0;  // over episodes finished in this rollout (NaN if none)
  int episodes = 0;
  double policy_loss = 0, value_loss = 0, entropy = 0, approx_kl = 0, clip_fraction = 0;
  double explained_variance = 0, log_std = 0;
  std::optional<double> val_sharpe, val_return, val_max_drawdown;  // when evaluated
  double tensor_s = 0, env_s = 0;  // time in tensor math / environment stepping this update
  // Time split: the rollout (environment + inference + GAE), then the update's minibatch
  // phases (forward + loss, backward, clipping + Adam).
  double rollout_s = 0, forward_s = 0, backward_s = 0, optimizer_s = 0;
  int minibatches = 0;
  std::vector<double> episode_returns;  // of the episodes finished in this rollout
};

struct ValidationResult {
  double sharpe = 0, total_return = 0, max_drawdown = 0;
  long bars = 0;
  nlohmann::json metrics;  // every backtest metric, with a validation replay (else null)
};

struct TrainSummary {
  std::int64_t steps = 0;
  double wall_s = 0, steps_per_s = 0;
  double tensor_s = 0, env_s = 0;
  double rollout_s = 0, forward_s = 0, backward_s = 0, optimizer_s = 0;
  std::int64_t minibatches = 0;
  std::optional<double> best_val_sharpe;
  std::optional<std::int64_t> best_at_step;
  nlohmann::json best_val_metrics;  // of the best checkpoint, with a validation replay
  bool interrupted = false;
};

class PpoTrainer {
 public:
  // `validation` may be null (no evaluation; the last weights are the exported ones).
  PpoTrainer(PpoConfig ppo, EnvConfig env, std::shared_ptr<const EnvSeries> train,
             std::shared_ptr<const EnvSeries> validation, std::uint64_t seed);
  ~PpoTrainer();
  PpoTrainer(const PpoTrainer&) = delete;
  PpoTrainer& operator=(const PpoTrainer&) = delete;

  // Trains until ppo.total_timesteps (counted from step 0, so a resumed run continues) or
  // until *stop becomes true (checked every environment step; the partial rollout is dropped).
  TrainSummary train(const std::function<void(const UpdateLog&)>& on_update,
                     const std::atomic<bool>* stop = nullptr);

  // Checkpoint selection by a backtest of the validation split (validation_replay.hpp) instead
  // of the environment's accounting; set before train().
  void set_validation_replay(std::shared_ptr<const ValidationReplay> replay);

  // Deterministic validation run over the whole split with the current actor (the validation
  // replay when one is set).
  ValidationResult evaluate(const EnvSeries& split);

  // policy.pt: actor, critic, log-std, optimizer, best actor, step counters and generator
  // states. load_checkpoint restores them (environment episodes restart).
  void save_checkpoint(const std::filesystem::path& file) const;
  void load_checkpoint(const std::filesystem::path& file);

  // actor.json + actor.bin (format usdcop-mlp-v1) of the best actor by validation Sharpe, or
  // of the current one when there was no evaluation (or `current` is true).
  void export_actor(const std::filesystem::path& dir, bool current = false) const;

  // The deterministic action (Gaussian mean) of the current actor through the backend.
  double act(std::span<const float, kObservationSize> obs) const;
  void act_batch(std::span<const float> obs, std::span<double> actions) const;

  std::int64_t steps_done() const;
  const PpoConfig& ppo_config() const;

  // All weights in the backends' flat order (learn/ppo_backend.hpp); set_parameters leaves the
  // optimizer and counters alone. Lets tests start both backends from the same weights.
  std::vector<float> parameters() const;
  void set_parameters(const std::vector<float>& flat);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Threads for OpenBLAS/OpenMP and libtorch (0 = all cores); returns the count in effect.
int set_tensor_threads(int threads);
// "1.13.1" (loads the libtorch backend) and the OpenBLAS build and kernels, for run.json.
std::string torch_version();
std::string blas_version();

}  // namespace usdcop::learn
