#include "learn/native_ppo.hpp"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <stdexcept>

#include "core/cpu_clones.hpp"
#include "learn/blas.hpp"
#include "trading/mlp_policy.hpp"

namespace usdcop::learn {
namespace {

using blas::Op;
constexpr double kHalfLog2Pi = 0.91893853320467274178;

// The element-wise steps. Each is written once as an inline template and, for float, compiled
// as AVX-512 / AVX2 / baseline clones picked at load time (the build targets baseline x86-64).
// The file is compiled with -fno-math-errno so that sqrt vectorizes.
#define USDCOP_CLONES USDCOP_CPU_CLONES

// z := z + b row by row (b has `width` entries).
template <class T>
[[gnu::always_inline]] inline void add_bias_body(T* __restrict z, const T* __restrict b, int rows,
                                                 int width) {
  for (int r = 0; r < rows; ++r) {
    T* __restrict row = z + static_cast<std::size_t>(r) * static_cast<std::size_t>(width);
    for (int j = 0; j < width; ++j) row[j] += b[j];
  }
}
USDCOP_CLONES void add_bias(float* z, const float* b, int rows, int width) {
  add_bias_body(z, b, rows, width);
}

void bias_tanh(float* z, const float* b, int rows, int width) {
  add_bias(z, b, rows, width);
  trading::tanh_inplace(z, rows * width);  // the vectorized tanh the exported actor uses
}

void bias_tanh(double* z, const double* b, int rows, int width) {
  add_bias_body(z, b, rows, width);
  for (std::size_t i = 0; i < static_cast<std::size_t>(rows) * static_cast<std::size_t>(width); ++i)
    z[i] = std::tanh(z[i]);
}

// dz := (g ⊙ scale) ⊙ (1 − h²) and db := column sums of dz, in one pass; `scale` is a per-column
// factor (the output weights for the last hidden layer) or null. `row_factor` (per row) may be
// null. g may alias dz.
template <class T>
[[gnu::always_inline]] inline void tanh_backward_body(const T* g, const T* row_factor,
                                                      const T* __restrict scale,
                                                      const T* __restrict h, int rows, int width,
                                                      T* dz, T* __restrict db) {
  for (int j = 0; j < width; ++j) db[j] = T(0);
  for (int r = 0; r < rows; ++r) {
    const std::size_t o = static_cast<std::size_t>(r) * static_cast<std::size_t>(width);
    const T f = row_factor ? row_factor[r] : T(1);
    const T* hr = h + o;
    T* dzr = dz + o;
    if (scale) {
      for (int j = 0; j < width; ++j) {
        const T v = f * scale[j] * (T(1) - hr[j] * hr[j]);
        dzr[j] = v;
        db[j] += v;
      }
    } else {
      const T* gr = g + o;
      for (int j = 0; j < width; ++j) {
        const T v = gr[j] * (T(1) - hr[j] * hr[j]);
        dzr[j] = v;
        db[j] += v;
      }
    }
  }
}
USDCOP_CLONES void tanh_backward(const float* g, const float* row_factor, const float* scale,
                                 const float* h, int rows, int width, float* dz, float* db) {
  tanh_backward_body(g, row_factor, scale, h, rows, width, dz, db);
}
void tanh_backward(const double* g, const double* row_factor, const double* scale, const double* h,
                   int rows, int width, double* dz, double* db) {
  tanh_backward_body(g, row_factor, scale, h, rows, width, dz, db);
}

// Σ g² with 16 independent partial sums (vectorizes without reassociation flags), folded into
// a double.
template <class T>
[[gnu::always_inline]] inline double sum_squares_body(const T* __restrict g, std::size_t n) {
  double sum = 0;
  constexpr std::size_t kBlock = 1024;
  for (std::size_t start = 0; start < n; start += kBlock) {
    const std::size_t end = std::min(n, start + kBlock);
    T part[16] = {};
    std::size_t i = start;
    for (; i + 16 <= end; i += 16)
      for (std::size_t k = 0; k < 16; ++k) part[k] += g[i + k] * g[i + k];
    for (; i < end; ++i) part[0] += g[i] * g[i];
    for (T p : part) sum += static_cast<double>(p);
  }
  return sum;
}
USDCOP_CLONES double sum_squares(const float* g, std::size_t n) {
  return sum_squares_body(g, n);
}
double sum_squares(const double* g, std::size_t n) {
  return sum_squares_body(g, n);
}

struct AdamScalars {
  double b1, one_b1, b2, one_b2, sqrt_bc2, eps, step_size, grad_scale;
};

// torch's Adam element by element, with the clipping factor applied to g on the way.
template <class T>
[[gnu::always_inline]] inline void adam_body(T* __restrict p, T* __restrict g, T* __restrict m,
                                             T* __restrict v, std::size_t n, const AdamScalars& a) {
  const T b1 = static_cast<T>(a.b1), one_b1 = static_cast<T>(a.one_b1);
  const T b2 = static_cast<T>(a.b2), one_b2 = static_cast<T>(a.one_b2);
  const T sqrt_bc2 = static_cast<T>(a.sqrt_bc2), eps = static_cast<T>(a.eps);
  const T neg_step = static_cast<T>(-a.step_size), scale = static_cast<T>(a.grad_scale);
  for (std::size_t i = 0; i < n; ++i) {
    const T gi = g[i] * scale;
    g[i] = gi;
    m[i] = m[i] * b1 + gi * one_b1;
    v[i] = v[i] * b2 + gi * gi * one_b2;
    p[i] += neg_step * (m[i] / (std::sqrt(v[i]) / sqrt_bc2 + eps));
  }
}
USDCOP_CLONES void adam(float* p, float* g, float* m, float* v, std::size_t n,
                        const AdamScalars& a) {
  adam_body(p, g, m, v, n, a);
}
void adam(double* p, double* g, double* m, double* v, std::size_t n, const AdamScalars& a) {
  adam_body(p, g, m, v, n, a);
}

// Orthogonal matrix (rows × cols, row-major) as torch.nn.init.orthogonal_ builds it: QR of a
// standard normal matrix (transposed when wide) with the signs of R's diagonal folded in —
// modified Gram-Schmidt gives that Q directly (its R has a positive diagonal).
std::vector<double> orthogonal(int rows, int cols, double gain, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, 1.0);
  const bool wide = rows < cols;
  const int m = wide ? cols : rows, n = wide ? rows : cols;  // tall m × n, columns orthonormal
  std::vector<double> a(static_cast<std::size_t>(m) * static_cast<std::size_t>(n));
  for (auto& x : a) x = normal(rng);
  auto at = [&](int i, int j) -> double& {
    return a[static_cast<std::size_t>(i) * static_cast<std::size_t>(n) +
             static_cast<std::size_t>(j)];
  };
  for (int j = 0; j < n; ++j) {
    for (int k = 0; k < j; ++k) {
      double dot = 0;
      for (int i = 0; i < m; ++i) dot += at(i, k) * at(i, j);
      for (int i = 0; i < m; ++i) at(i, j) -= dot * at(i, k);
    }
    double norm = 0;
    for (int i = 0; i < m; ++i) norm += at(i, j) * at(i, j);
    norm = std::sqrt(norm);
    for (int i = 0; i < m; ++i) at(i, j) /= norm;
  }
  std::vector<double> w(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      w[static_cast<std::size_t>(r) * static_cast<std::size_t>(cols) +
        static_cast<std::size_t>(c)] = gain * (wide ? at(c, r) : at(r, c));
  return w;
}

}  // namespace

template <class T>
NativePpo<T>::NativePpo(NativePpoOptions options, int max_rows) : opt_(std::move(options)) {
  if (opt_.hidden_sizes.empty()) throw std::invalid_argument("NativePpo: no hidden layers");
  std::size_t offset = 0;
  for (auto* net : {&actor_, &critic_}) {
    int in = opt_.input_size;
    std::vector<int> widths = opt_.hidden_sizes;
    widths.push_back(1);
    for (int out : widths) {
      Layer l{in, out, offset,
              offset + static_cast<std::size_t>(in) * static_cast<std::size_t>(out)};
      offset = l.b + static_cast<std::size_t>(out);
      net->push_back(l);
      in = out;
    }
    if (net == &actor_) actor_count_ = offset;
  }
  log_std_ = offset;
  params_.assign(offset + 1, T(0));
  grads_.assign(params_.size(), T(0));
  adam_m_.assign(params_.size(), T(0));
  adam_v_.assign(params_.size(), T(0));
  reserve_rows(std::max(1, max_rows));
}

template <class T>
void NativePpo<T>::reserve_rows(int rows) {
  if (rows <= max_rows_) return;
  max_rows_ = rows;
  int widest = opt_.input_size;
  for (auto* ws : {&actor_ws_, &critic_ws_}) {
    ws->hidden.resize(opt_.hidden_sizes.size());
    for (std::size_t k = 0; k < opt_.hidden_sizes.size(); ++k) {
      ws->hidden[k].assign(
          static_cast<std::size_t>(rows) * static_cast<std::size_t>(opt_.hidden_sizes[k]), T(0));
      widest = std::max(widest, opt_.hidden_sizes[k]);
    }
    ws->out.assign(static_cast<std::size_t>(rows), T(0));
  }
  const auto n = static_cast<std::size_t>(rows) * static_cast<std::size_t>(widest);
  dz_a_.assign(n, T(0));
  dz_b_.assign(n, T(0));
  dmu_.assign(static_cast<std::size_t>(rows), T(0));
  dvalue_.assign(static_cast<std::size_t>(rows), T(0));
}

template <class T>
void NativePpo<T>::initialize(std::uint64_t seed, double log_std_init) {
  std::mt19937_64 rng(seed);
  for (auto* net : {&actor_, &critic_}) {
    for (std::size_t k = 0; k < net->size(); ++k) {
      const Layer& l = (*net)[k];
      const bool last = k + 1 == net->size();
      const double gain = !last ? std::sqrt(2.0) : (net == &actor_ ? 0.01 : 1.0);
      const auto w = orthogonal(l.out, l.in, gain, rng);
      std::transform(w.begin(), w.end(), params_.begin() + static_cast<std::ptrdiff_t>(l.w),
                     [](double x) { return static_cast<T>(x); });
      std::fill_n(params_.begin() + static_cast<std::ptrdiff_t>(l.b), l.out, T(0));
    }
  }
  params_[log_std_] = static_cast<T>(log_std_init);
  std::fill(adam_m_.begin(), adam_m_.end(), T(0));
  std::fill(adam_v_.begin(), adam_v_.end(), T(0));
  adam_step_ = 0;
}

template <class T>
void NativePpo<T>::forward_net(const T* p, const std::vector<Layer>& net, const T* obs, int rows,
                               Workspace& ws, T* y) {
  const T* in = obs;
  for (std::size_t k = 0; k + 1 < net.size(); ++k) {
    const Layer& l = net[k];
    T* h = ws.hidden[k].data();
    if (rows == 1)  // one observation (evaluation, live-like use): a matrix-vector product
      blas::gemv(Op::none, l.out, l.in, T(1), p + l.w, l.in, in, T(0), h);
    else
      blas::gemm(Op::none, Op::transpose, rows, l.out, l.in, T(1), in, l.in, p + l.w, l.in, T(0), h,
                 l.out);
    bias_tanh(h, p + l.b, rows, l.out);
    in = h;
  }
  const Layer& last = net.back();  // one output: y = H·w + b
  blas::gemv(Op::none, rows, last.in, T(1), in, last.in, p + last.w, T(0), y);
  const T b = p[last.b];
  for (int r = 0; r < rows; ++r) y[r] += b;
}

template <class T>
void NativePpo<T>::forward(const T* obs, std::int64_t rows, T* mu, T* value) {
  for (std::int64_t start = 0; start < rows; start += max_rows_) {
    const int n = static_cast<int>(std::min<std::int64_t>(max_rows_, rows - start));
    const T* x = obs + start * opt_.input_size;
    if (mu) forward_net(params_.data(), actor_, x, n, actor_ws_, mu + start);
    if (value) forward_net(params_.data(), critic_, x, n, critic_ws_, value + start);
  }
}

template <class T>
void NativePpo<T>::backward_net(const std::vector<Layer>& net, const T* obs, int rows,
                                const Workspace& ws, const T* dy) {
  const T* p = params_.data();
  T* g = grads_.data();
  const std::size_t hidden = net.size() - 1;
  const Layer& last = net.back();
  const T* h_last = ws.hidden[hidden - 1].data();
  // Output layer: dW = dyᵀ·H, db = Σ dy; dZ of the last hidden layer = (dy ⊗ w) ⊙ (1 − H²).
  blas::gemv(Op::transpose, rows, last.in, T(1), h_last, last.in, dy, T(0), g + last.w);
  T db = 0;
  for (int r = 0; r < rows; ++r) db += dy[r];
  g[last.b] = db;
  T* dz = dz_a_.data();
  T* spare = dz_b_.data();
  {
    const Layer& l = net[hidden - 1];
    tanh_backward(static_cast<const T*>(nullptr), dy, p + last.w, h_last, rows, l.out, dz, g + l.b);
  }
  for (std::size_t k = hidden; k-- > 0;) {
    const Layer& l = net[k];
    const T* in = k == 0 ? obs : ws.hidden[k - 1].data();
    // dW = dZᵀ·input (out × in).
    blas::gemm(Op::transpose, Op::none, l.out, l.in, rows, T(1), dz, l.out, in, l.in, T(0), g + l.w,
               l.in);
    if (k == 0) break;
    // d(input) = dZ·W, then through the previous tanh.
    const Layer& prev = net[k - 1];
    blas::gemm(Op::none, Op::none, rows, l.in, l.out, T(1), dz, l.out, p + l.w, l.in, T(0), spare,
               l.in);
    tanh_backward(spare, static_cast<const T*>(nullptr), static_cast<const T*>(nullptr), in, rows,
                  prev.out, spare, g + prev.b);
    std::swap(dz, spare);
  }
}

template <class T>
MinibatchLoss NativePpo<T>::loss_and_gradients(const T* obs, const T* act, const T* logp_old,
                                               const T* adv, const T* ret, int rows) {
  if (rows > max_rows_) throw std::logic_error("NativePpo: minibatch larger than the workspace");
  const auto t0 = std::chrono::steady_clock::now();
  T* mu = actor_ws_.out.data();
  T* value = critic_ws_.out.data();
  forward_net(params_.data(), actor_, obs, rows, actor_ws_, mu);
  forward_net(params_.data(), critic_, obs, rows, critic_ws_, value);
  // Per-minibatch advantage normalization with torch's unbiased std.
  double mean = 0;
  for (int r = 0; r < rows; ++r) mean += adv[r];
  mean /= rows;
  double var = 0;
  for (int r = 0; r < rows; ++r) var += (adv[r] - mean) * (adv[r] - mean);
  const T adv_mean = static_cast<T>(mean);
  const T adv_den = static_cast<T>(std::sqrt(var / std::max(1, rows - 1))) + T(1e-8);
  const T log_std = params_[log_std_];
  const T sigma = std::exp(log_std);
  const T clip = static_cast<T>(opt_.clip_range);
  const T lo = T(1) - clip, hi = T(1) + clip;
  const T inv_rows = T(1) / static_cast<T>(rows);
  const T vf = static_cast<T>(opt_.vf_coef);
  double pl = 0, vl = 0, kl = 0, clipped = 0, dlog_std = 0;
  for (int r = 0; r < rows; ++r) {
    const T z = (act[r] - mu[r]) / sigma;
    const T logp = T(-0.5) * z * z - log_std - static_cast<T>(kHalfLog2Pi);
    const T log_ratio = logp - logp_old[r];
    const T ratio = std::exp(log_ratio);
    const T a = (adv[r] - adv_mean) / adv_den;
    const T clamped = std::clamp(ratio, lo, hi);
    const T s1 = ratio * a, s2 = clamped * a;
    pl += std::min(s1, s2);
    // torch's minimum sends the gradient to the smaller operand, half to each on a tie; clamp
    // passes it where lo <= ratio <= hi.
    const T w1 = s1 < s2 ? T(1) : (s1 == s2 ? T(0.5) : T(0));
    const T w2 = (T(1) - w1) * (ratio >= lo && ratio <= hi ? T(1) : T(0));
    const T dlogp = -(w1 + w2) * a * inv_rows * ratio;
    dmu_[r] = dlogp * z / sigma;
    dlog_std += dlogp * (z * z - T(1));
    kl += (ratio - T(1)) - log_ratio;
    clipped += std::abs(ratio - T(1)) > clip ? 1.0 : 0.0;
    const T diff = value[r] - ret[r];
    vl += diff * diff;
    dvalue_[r] = T(2) * vf * diff * inv_rows;
  }
  MinibatchLoss out;
  out.policy_loss = -pl / rows;
  out.value_loss = vl / rows;
  out.entropy = 0.5 + kHalfLog2Pi + static_cast<double>(log_std);
  out.approx_kl = kl / rows;
  out.clip_fraction = clipped / rows;
  out.loss = out.policy_loss + opt_.vf_coef * out.value_loss - opt_.ent_coef * out.entropy;
  const auto t1 = std::chrono::steady_clock::now();
  backward_net(actor_, obs, rows, actor_ws_, dmu_.data());
  backward_net(critic_, obs, rows, critic_ws_, dvalue_.data());
  grads_[log_std_] = static_cast<T>(dlog_std - opt_.ent_coef);
  times_.forward_s = std::chrono::duration<double>(t1 - t0).count();
  times_.backward_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  return out;
}

template <class T>
double NativePpo<T>::clip_gradients() {
  const double norm = std::sqrt(sum_squares(grads_.data(), grads_.size()));
  // torch: coefficient max_norm / (norm + 1e-6) in float, applied when below 1. The scaling is
  // folded into the Adam pass (adam_update), which reads every gradient anyway.
  const T coef = static_cast<T>(opt_.max_grad_norm) / (static_cast<T>(norm) + T(1e-6));
  grad_scale_ = coef < T(1) ? static_cast<double>(coef) : 1.0;
  return norm;
}

template <class T>
void NativePpo<T>::adam_update() {
  ++adam_step_;
  AdamScalars a;
  a.b1 = opt_.beta1;
  a.one_b1 = 1 - opt_.beta1;
  a.b2 = opt_.beta2;
  a.one_b2 = 1 - opt_.beta2;
  a.sqrt_bc2 = std::sqrt(1 - std::pow(opt_.beta2, static_cast<double>(adam_step_)));
  a.eps = opt_.adam_eps;
  a.step_size = opt_.learning_rate / (1 - std::pow(opt_.beta1, static_cast<double>(adam_step_)));
  a.grad_scale = grad_scale_;
  adam(params_.data(), grads_.data(), adam_m_.data(), adam_v_.data(), params_.size(), a);
  grad_scale_ = 1.0;
}

ProductsTime minibatch_products_ms(const NativePpoOptions& options, int rows, int reps) {
  std::vector<int> widths{options.input_size};
  widths.insert(widths.end(), options.hidden_sizes.begin(), options.hidden_sizes.end());
  widths.push_back(1);
  const int widest = *std::max_element(widths.begin(), widths.end());
  const auto cells = static_cast<std::size_t>(widest) * static_cast<std::size_t>(widest);
  const auto acts = static_cast<std::size_t>(rows) * static_cast<std::size_t>(widest);
  std::vector<float> w(cells, 0.01f), gw(cells), x(acts, 0.1f), y(acts), d(acts, 0.01f);
  auto products = [&] {
    for (int net = 0; net < 2; ++net) {
      for (std::size_t k = 1; k < widths.size(); ++k) {
        const int in = widths[k - 1], out = widths[k];
        if (out == 1) {
          blas::gemv(Op::none, rows, in, 1.0f, x.data(), in, w.data(), 0.0f, y.data());
          blas::gemv(Op::transpose, rows, in, 1.0f, x.data(), in, d.data(), 0.0f, gw.data());
          continue;
        }
        blas::gemm(Op::none, Op::transpose, rows, out, in, 1.0f, x.data(), in, w.data(), in, 0.0f,
                   y.data(), out);
        blas::gemm(Op::transpose, Op::none, out, in, rows, 1.0f, d.data(), out, x.data(), in, 0.0f,
                   gw.data(), in);
        if (k > 1)
          blas::gemm(Op::none, Op::none, rows, in, out, 1.0f, d.data(), out, w.data(), in, 0.0f,
                     y.data(), in);
      }
    }
  };
  for (int i = 0; i < 20; ++i) products();
  auto cpu_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  };
  std::vector<double> wall, cpu;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_now();
    for (int j = 0; j < 20; ++j) products();
    cpu.push_back((cpu_now() - c0) * 1e3 / 20);
    wall.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
        20);
  }
  auto median = [](std::vector<double>& v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  return {median(wall), median(cpu)};
}

template class NativePpo<float>;
template class NativePpo<double>;

}  // namespace usdcop::learn
