#pragma once
// PPO's tensor math without autograd (the native backend, spec 03 / issue 14): forward and
// backward of the actor and critic MLPs written directly on BLAS (learn/blas.hpp), the loss and
// its derivative fused into one pass over the minibatch, global-norm gradient clipping and
// Adam over one flat parameter array. Every buffer is allocated by the constructor (or when a
// larger batch is first seen, outside any minibatch loop); a minibatch allocates nothing.
//
// The arithmetic mirrors the libtorch backend step by step (same loss, same torch semantics at
// the kinks of min/clamp, unbiased advantage std + 1e-8, clip coefficient
// max_norm/(norm + 1e-6), torch's Adam), so the two agree to float rounding (tested).
// Instantiated for float (training) and double (finite-difference tests).
#include <cstdint>
#include <span>
#include <vector>

namespace usdcop::learn {

struct NativePpoOptions {
  int input_size = 15;
  std::vector<int> hidden_sizes{256, 256};
  double clip_range = 0.2, ent_coef = 0.01, vf_coef = 0.5, max_grad_norm = 0.5;
  double learning_rate = 3e-4, adam_eps = 1e-5, beta1 = 0.9, beta2 = 0.999;
};

// Losses of one minibatch (the quantities the libtorch backend reports).
struct MinibatchLoss {
  double loss = 0, policy_loss = 0, value_loss = 0, entropy = 0, approx_kl = 0, clip_fraction = 0;
};

// Wall time of the last loss_and_gradients call: forward + loss, and backward.
struct NativePpoTimes {
  double forward_s = 0, backward_s = 0;
};

template <class T>
class NativePpo {
 public:
  NativePpo(NativePpoOptions options, int max_rows);

  // Flat parameters: the actor's layers (per layer W out×in row-major, then b), the critic's
  // layers, then log_std. gradients() has the same layout.
  std::span<T> parameters() { return params_; }
  std::span<const T> parameters() const { return params_; }
  std::span<const T> gradients() const { return grads_; }
  std::size_t actor_parameter_count() const { return actor_count_; }
  // Adam state (same layout) and step count, for checkpoints.
  std::span<T> adam_m() { return adam_m_; }
  std::span<T> adam_v() { return adam_v_; }
  std::span<const T> adam_m() const { return adam_m_; }
  std::span<const T> adam_v() const { return adam_v_; }
  std::int64_t& adam_step() { return adam_step_; }
  std::int64_t adam_step() const { return adam_step_; }

  // Orthogonal initialization (gain √2 hidden, 0.01 actor output, 1 critic output, zero
  // biases) from a generator seeded with `seed`; log_std := log_std_init.
  void initialize(std::uint64_t seed, double log_std_init);

  // Inference (no gradients): mu and/or value (either may be null) of `rows` observations.
  void forward(const T* obs, std::int64_t rows, T* mu, T* value);

  // Loss and gradients (into gradients(), unclipped) of one gathered minibatch of `rows`
  // (<= max_rows) rows; advantages are normalized inside (per minibatch).
  MinibatchLoss loss_and_gradients(const T* obs, const T* act, const T* logp_old, const T* adv,
                                   const T* ret, int rows);
  // Global-norm clipping (returns the norm before clipping; the scaling is applied by the next
  // adam_update, which leaves the clipped gradients in gradients()) and one Adam step.
  double clip_gradients();
  void adam_update();

  const NativePpoTimes& last_times() const { return times_; }
  int max_rows() const { return max_rows_; }
  void reserve_rows(int rows);  // grows the workspace (allocates; call outside hot loops)

 private:
  struct Layer {
    int in = 0, out = 0;
    std::size_t w = 0, b = 0;  // offsets into params_/grads_
  };
  struct Workspace {
    std::vector<std::vector<T>> hidden;  // post-tanh activations per hidden layer, rows × width
    std::vector<T> out;                  // rows
  };
  void forward_net(const T* p, const std::vector<Layer>& net, const T* obs, int rows, Workspace& ws,
                   T* y);
  void backward_net(const std::vector<Layer>& net, const T* obs, int rows, const Workspace& ws,
                    const T* dy);

  NativePpoOptions opt_;
  int max_rows_ = 0;
  std::vector<Layer> actor_, critic_;
  std::size_t actor_count_ = 0, log_std_ = 0;
  std::vector<T> params_, grads_, adam_m_, adam_v_;
  std::int64_t adam_step_ = 0;
  double grad_scale_ = 1.0;  // clipping factor pending for adam_update
  NativePpoTimes times_;
  Workspace actor_ws_, critic_ws_;
  std::vector<T> dz_a_, dz_b_, dmu_, dvalue_;
};

// Milliseconds of the BLAS products alone of one minibatch (both networks' forward and
// backward with these shapes, float32), the median of `reps` timings, in wall time and in
// process CPU time: the arithmetic floor a minibatch update is compared with.
struct ProductsTime {
  double wall_ms = 0, cpu_ms = 0;
};
ProductsTime minibatch_products_ms(const NativePpoOptions& options, int rows, int reps);

extern template class NativePpo<float>;
extern template class NativePpo<double>;

}  // namespace usdcop::learn
