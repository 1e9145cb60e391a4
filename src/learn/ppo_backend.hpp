#pragma once
// The tensor half of PPO behind one interface, with two implementations chosen by
// `ppo.backend` (PpoBackendKind):
//  - native (default): learn/native_ppo.hpp on OpenBLAS, no autograd, no libtorch;
//  - libtorch (the reference): ppo_torch_backend.cpp + ppo_networks.cpp, a separate shared
//    module, libusdcop_learn_torch.so, loaded with dlopen the first time it is created:
//    libtorch's static initializers cost ~0.9 s per process start, which every other command
//    and test would otherwise pay (store links every domain module). Lookup:
//    $USDCOP_TORCH_BACKEND, else the build tree path compiled in, else next to the executable.
// Both keep parameters in the same flat order (actor layers W then b, critic layers, log_std),
// which the agreement tests use to put the same weights into both.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"

#include "learn/native_ppo.hpp"
#include "learn/ppo_config.hpp"

namespace usdcop::learn {

struct PpoBackendConfig {
  PpoBackendKind kind = PpoBackendKind::native;
  int input_size = 15;
  std::vector<int> hidden_sizes{256, 256};
  double learning_rate = 3e-4, adam_eps = 1e-5, log_std_init = 0.0;
  double clip_range = 0.2, ent_coef = 0.01, vf_coef = 0.5, max_grad_norm = 0.5;
  std::uint64_t seed = 0;  // seeds the backend's generator before initialization
};

struct UpdateStats {  // sums over minibatches
  double policy_loss = 0, value_loss = 0, entropy = 0, approx_kl = 0, clip_fraction = 0;
  int batches = 0;
  // Wall time of the minibatch phases: forward + loss, backward, clipping + optimizer step.
  double forward_s = 0, backward_s = 0, optimizer_s = 0;
};

class PpoBackend {
 public:
  virtual ~PpoBackend() = default;
  virtual PpoBackendKind kind() const = 0;
  // obs: rows × input_size floats. mu / value (rows each) may be null. No gradients.
  virtual void forward(const float* obs, std::int64_t rows, float* mu, float* value) = 0;
  virtual double log_std() const = 0;
  // One epoch: minibatches of `batch_size` rows taken from `order` (total indices), each with
  // per-minibatch advantage normalization, clipped loss, backward, grad clipping, Adam step.
  virtual UpdateStats update_epoch(const float* obs, const float* act, const float* logp_old,
                                   const float* adv, const float* ret, std::int64_t total,
                                   const std::int64_t* order, int batch_size) = 0;
  // Loss and unclipped gradients (flat order) of one minibatch given as contiguous rows; the
  // weights and the optimizer are left unchanged. For the agreement tests.
  virtual MinibatchLoss minibatch_gradients(const float* obs, const float* act,
                                            const float* logp_old, const float* adv,
                                            const float* ret, int rows, float* gradients) = 0;
  // Flat parameters (see the header comment); writing them resets nothing else.
  virtual std::vector<float> parameters() const = 0;
  virtual void set_parameters(const std::vector<float>& flat) = 0;
  virtual void keep_best() = 0;  // best actor := current actor
  // actor.json + actor.bin of the best (or current) actor.
  virtual void export_actor(const std::string& dir, bool best) = 0;
  // Checkpoint file with the networks, the best actor, Adam and a caller string (JSON).
  virtual void save(const std::string& file, const std::string& extra) const = 0;
  virtual std::string load(const std::string& file) = 0;              // returns the caller string
  virtual std::string read_state(const std::string& file) const = 0;  // the caller string only
};

std::unique_ptr<PpoBackend> create_ppo_backend(const PpoBackendConfig& config);
std::unique_ptr<PpoBackend> create_native_ppo_backend(const PpoBackendConfig& config);
// Threads for OpenBLAS/OpenMP and, once loaded, libtorch (0 = all cores); returns the count in
// effect. Does not load libtorch.
int backend_set_threads(int threads);
std::string backend_torch_version();  // loads libtorch

// Whether this binary was configured with the libtorch backend (CMake USDCOP_WITH_LIBTORCH).
bool libtorch_backend_built();
// The error a libtorch trainer gets in a binary configured without it: unavailable (exit 4),
// field "ppo.backend", saying how to enable it or to use the native backend.
Error libtorch_not_built_error();

}  // namespace usdcop::learn
