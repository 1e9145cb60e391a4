#include "learn/ppo_trainer.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>
#include <thread>

#include "backtest/metrics.hpp"
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "learn/blas.hpp"
#include "learn/ppo_backend.hpp"

#include <nlohmann/json.hpp>

namespace usdcop::learn {

using Clock = std::chrono::steady_clock;
namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t x = seed ^ (stream * 0x9e3779b97f4a7c15ULL);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

[[maybe_unused]] constexpr double kHalfLog2Pi = 0.91893853320467274178;

}  // namespace

int set_tensor_threads(int threads) {
  return backend_set_threads(threads);
}

std::string torch_version() {
  return backend_torch_version();
}

std::string blas_version() {
  return blas::description();
}

struct PpoTrainer::Impl {
  PpoConfig ppo;
  EnvConfig env_cfg;
  std::shared_ptr<const EnvSeries> train, validation;
  std::uint64_t seed;
  std::unique_ptr<PpoBackend> backend;
  std::unique_ptr<VecTradingEnv> vec;
  std::mt19937_64 noise_rng, shuffle_rng;
  std::int64_t steps = 0;
  int updates = 0;
  std::optional<double> best_sharpe;
  std::optional<std::int64_t> best_step;
  nlohmann::json best_metrics;
  std::int64_t next_eval = 0;
  std::shared_ptr<const ValidationReplay> replay;

  // Rollout buffers, [n_steps × n_envs] in step-major order.
  std::vector<float> obs_buf, act_buf, logp_buf, val_buf, adv_buf, ret_buf;
  std::vector<double> rew_buf;
  std::vector<char> done_buf;

  void make_env() {
    vec = std::make_unique<VecTradingEnv>(
        train, env_cfg, ppo.n_envs, derive_seed(seed, 1000 + static_cast<std::uint64_t>(updates)));
  }

  UpdateLog update(const std::atomic<bool>* stop, bool& stopped);
  void collect(const std::atomic<bool>* stop, bool& stopped, UpdateLog& log);
  void advantages(UpdateLog& log);  // GAE(λ) over the collected rollout
  void optimize(UpdateLog& log);
};

PpoTrainer::PpoTrainer(PpoConfig ppo, EnvConfig env, std::shared_ptr<const EnvSeries> train,
                       std::shared_ptr<const EnvSeries> validation, std::uint64_t seed)
    : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  if (ppo.n_envs < 1 || ppo.n_steps < 1 || ppo.batch_size < 1 || ppo.n_epochs < 1)
    throw Error(ErrorKind::invalid_input,
                "ppo: n_envs, n_steps, batch_size, n_epochs must be >= 1");
  if (ppo.rollout_size() % ppo.batch_size != 0)
    throw Error(ErrorKind::invalid_input, "ppo.batch_size: must divide n_envs × n_steps");
  m.ppo = std::move(ppo);
  m.env_cfg = std::move(env);
  m.train = std::move(train);
  m.validation = std::move(validation);
  m.seed = seed;
  PpoBackendConfig bc;
  bc.kind = m.ppo.backend;
  bc.input_size = kObservationSize;
  bc.hidden_sizes = m.ppo.hidden_sizes;
  bc.learning_rate = m.ppo.learning_rate;
  bc.adam_eps = m.ppo.adam_eps;
  bc.log_std_init = m.ppo.log_std_init;
  bc.clip_range = m.ppo.clip_range;
  bc.ent_coef = m.ppo.ent_coef;
  bc.vf_coef = m.ppo.vf_coef;
  bc.max_grad_norm = m.ppo.max_grad_norm;
  bc.seed = seed;
  m.backend = create_ppo_backend(bc);
  m.noise_rng.seed(derive_seed(seed, 1));
  m.shuffle_rng.seed(derive_seed(seed, 2));
  m.next_eval = m.ppo.eval_every > 0 ? m.ppo.eval_every : m.ppo.total_timesteps;
  m.make_env();
  const auto n = static_cast<std::size_t>(m.ppo.rollout_size());
  m.obs_buf.resize(n * kObservationSize);
  m.act_buf.resize(n);
  m.logp_buf.resize(n);
  m.val_buf.resize(n);
  m.adv_buf.resize(n);
  m.ret_buf.resize(n);
  m.rew_buf.resize(n);
  m.done_buf.resize(n);
}

PpoTrainer::~PpoTrainer() = default;

void PpoTrainer::Impl::collect(const std::atomic<bool>* stop, bool& stopped, UpdateLog& log) {
  const int n = ppo.n_envs;
  const auto sigma = static_cast<float>(std::exp(backend->log_std()));
  std::vector<float> mu(static_cast<std::size_t>(n)), v(static_cast<std::size_t>(n));
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> actions(static_cast<std::size_t>(n));
  double episode_sum = 0;
  const auto t_rollout = Clock::now();
  for (int t = 0; t < ppo.n_steps; ++t) {
    if (stop && stop->load()) {
      stopped = true;
      return;
    }
    const std::size_t base = static_cast<std::size_t>(t) * static_cast<std::size_t>(n);
    const auto obs = vec->observations();
    std::copy(obs.begin(), obs.end(),
              obs_buf.begin() + static_cast<std::ptrdiff_t>(base * kObservationSize));
    auto t0 = Clock::now();
    backend->forward(obs.data(), n, mu.data(), v.data());
    log.tensor_s += seconds_since(t0);
    const float* mu_p = mu.data();
    const float* v_p = v.data();
    for (int i = 0; i < n; ++i) {
      const double eps = normal(noise_rng);
      const double a = mu_p[i] + sigma * eps;
      actions[static_cast<std::size_t>(i)] = a;
      act_buf[base + static_cast<std::size_t>(i)] = static_cast<float>(a);
      logp_buf[base + static_cast<std::size_t>(i)] =
          static_cast<float>(-0.5 * eps * eps - std::log(sigma) - kHalfLog2Pi);
      val_buf[base + static_cast<std::size_t>(i)] = v_p[i];
    }
    t0 = Clock::now();
    vec->step(actions);
    log.env_s += seconds_since(t0);
    for (int i = 0; i < n; ++i) {
      const std::size_t k = base + static_cast<std::size_t>(i);
      double r = vec->rewards()[static_cast<std::size_t>(i)];
      const bool done = vec->terminated(i) || vec->truncated(i);
      if (vec->truncated(i)) {
        // Truncation is not failure: bootstrap with the value of the final observation.
        t0 = Clock::now();
        float fv = 0;
        backend->forward(vec->final_observation(i).data(), 1, nullptr, &fv);
        r += ppo.gamma * fv;
        log.tensor_s += seconds_since(t0);
      }
      if (done) {
        episode_sum += vec->episode_return(i);
        log.episode_returns.push_back(vec->episode_return(i));
        ++log.episodes;
      }
      rew_buf[k] = r;
      done_buf[k] = done;
    }
    steps += n;
  }
  log.mean_episode_reward =
      log.episodes ? episode_sum / log.episodes : std::numeric_limits<double>::quiet_NaN();
  advantages(log);
  log.rollout_s = seconds_since(t_rollout);
}

void PpoTrainer::Impl::advantages(UpdateLog& log) {
  // GAE(λ) over the rollout; done[t] ends the episode after transition t.
  const int n = ppo.n_envs;
  auto t0 = Clock::now();
  std::vector<float> last_v(static_cast<std::size_t>(n));
  backend->forward(vec->observations().data(), n, nullptr, last_v.data());
  log.tensor_s += seconds_since(t0);
  const float* last_p = last_v.data();
  std::vector<double> gae(static_cast<std::size_t>(n), 0.0);
  for (int t = ppo.n_steps - 1; t >= 0; --t) {
    for (int i = 0; i < n; ++i) {
      const std::size_t k =
          static_cast<std::size_t>(t) * static_cast<std::size_t>(n) + static_cast<std::size_t>(i);
      const double next_v =
          t == ppo.n_steps - 1 ? last_p[i] : val_buf[k + static_cast<std::size_t>(n)];
      const double nonterminal = done_buf[k] ? 0.0 : 1.0;
      const double delta = rew_buf[k] + ppo.gamma * next_v * nonterminal - val_buf[k];
      double& g = gae[static_cast<std::size_t>(i)];
      g = delta + ppo.gamma * ppo.gae_lambda * nonterminal * g;
      adv_buf[k] = static_cast<float>(g);
      ret_buf[k] = static_cast<float>(g + val_buf[k]);
    }
  }
}

void PpoTrainer::Impl::optimize(UpdateLog& log) {
  const auto t0 = Clock::now();
  const std::int64_t total = ppo.rollout_size();
  std::vector<std::int64_t> order(static_cast<std::size_t>(total));
  UpdateStats sum;
  for (int epoch = 0; epoch < ppo.n_epochs; ++epoch) {
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), shuffle_rng);
    const UpdateStats e =
        backend->update_epoch(obs_buf.data(), act_buf.data(), logp_buf.data(), adv_buf.data(),
                              ret_buf.data(), total, order.data(), ppo.batch_size);
    sum.policy_loss += e.policy_loss;
    sum.value_loss += e.value_loss;
    sum.entropy += e.entropy;
    sum.approx_kl += e.approx_kl;
    sum.clip_fraction += e.clip_fraction;
    sum.batches += e.batches;
    log.forward_s += e.forward_s;
    log.backward_s += e.backward_s;
    log.optimizer_s += e.optimizer_s;
  }
  log.minibatches = sum.batches;
  const double b = std::max(1, sum.batches);
  log.policy_loss = sum.policy_loss / b;
  log.value_loss = sum.value_loss / b;
  log.entropy = sum.entropy / b;
  log.approx_kl = sum.approx_kl / b;
  log.clip_fraction = sum.clip_fraction / b;
  log.log_std = backend->log_std();
  log.tensor_s += seconds_since(t0);
  // Explained variance of the rollout's value predictions (population variances).
  double mr = 0, md = 0;
  for (std::int64_t k = 0; k < total; ++k) {
    mr += ret_buf[static_cast<std::size_t>(k)];
    md += ret_buf[static_cast<std::size_t>(k)] - val_buf[static_cast<std::size_t>(k)];
  }
  mr /= static_cast<double>(total);
  md /= static_cast<double>(total);
  double vr = 0, vd = 0;
  for (std::int64_t k = 0; k < total; ++k) {
    const double r = ret_buf[static_cast<std::size_t>(k)],
                 d = r - val_buf[static_cast<std::size_t>(k)];
    vr += (r - mr) * (r - mr);
    vd += (d - md) * (d - md);
  }
  log.explained_variance = vr > 0 ? 1.0 - vd / vr : std::nan("");
}

TrainSummary PpoTrainer::train(const std::function<void(const UpdateLog&)>& on_update,
                               const std::atomic<bool>* stop) {
  auto& m = *impl_;
  TrainSummary summary;
  const auto t_start = Clock::now();
  const std::int64_t steps_at_start = m.steps;
  while (m.steps < m.ppo.total_timesteps) {
    UpdateLog log;
    const auto t0 = Clock::now();
    bool stopped = false;
    const std::int64_t steps_before = m.steps;
    m.collect(stop, stopped, log);
    if (stopped) {
      m.steps = steps_before;  // the partial rollout is dropped; the checkpoint resumes here
      m.make_env();
      summary.interrupted = true;
      break;
    }
    m.optimize(log);
    ++m.updates;
    // A diverged update (NaN/inf loss or log-std, from a too large learning rate or reward
    // scale) leaves weights that cannot trade: stop now rather than finish "completed".
    if (!std::isfinite(log.policy_loss) || !std::isfinite(log.value_loss) ||
        !std::isfinite(log.log_std)) {
      throw Error(ErrorKind::invalid_input,
                  "training diverged at update " + std::to_string(m.updates) + " (step " +
                      std::to_string(m.steps) +
                      "): the loss or the weights are not finite; lower ppo.learning_rate or "
                      "environment.reward_scale");
    }
    log.update = m.updates;
    log.steps = m.steps;
    if (m.validation && (m.steps >= m.next_eval || m.steps >= m.ppo.total_timesteps)) {
      const auto t_eval = Clock::now();
      const ValidationResult val = evaluate(*m.validation);
      log.tensor_s += seconds_since(t_eval);  // evaluation is mostly actor forward passes
      log.val_sharpe = val.sharpe;
      log.val_return = val.total_return;
      log.val_max_drawdown = val.max_drawdown;
      if (!m.best_sharpe || val.sharpe > *m.best_sharpe) {
        m.best_sharpe = val.sharpe;
        m.best_step = m.steps;
        m.best_metrics = val.metrics;
        m.backend->keep_best();
      }
      while (m.next_eval <= m.steps)
        m.next_eval += m.ppo.eval_every > 0 ? m.ppo.eval_every : m.ppo.total_timesteps;
    }
    log.wall_s = seconds_since(t0);
    log.steps_per_s = static_cast<double>(m.steps - steps_before) / log.wall_s;
    summary.tensor_s += log.tensor_s;
    summary.env_s += log.env_s;
    summary.rollout_s += log.rollout_s;
    summary.forward_s += log.forward_s;
    summary.backward_s += log.backward_s;
    summary.optimizer_s += log.optimizer_s;
    summary.minibatches += log.minibatches;
    if (on_update) on_update(log);
  }
  summary.steps = m.steps;
  summary.wall_s = seconds_since(t_start);
  summary.steps_per_s =
      summary.wall_s > 0 ? static_cast<double>(m.steps - steps_at_start) / summary.wall_s : 0;
  summary.best_val_sharpe = m.best_sharpe;
  summary.best_at_step = m.best_step;
  summary.best_val_metrics = m.best_metrics;
  return summary;
}

void PpoTrainer::set_validation_replay(std::shared_ptr<const ValidationReplay> replay) {
  impl_->replay = std::move(replay);
}

ValidationResult PpoTrainer::evaluate(const EnvSeries& split) {
  if (impl_->replay) {
    // The current actor in the trading format, evaluated exactly as the backtest will.
    const auto dir = std::filesystem::temp_directory_path() /
                     ("usdcop-val-" + std::to_string(::getpid()) + "-" +
                      std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(dir);
    impl_->backend->export_actor(dir.string(), false);
    const auto r = replay_validation(*impl_->replay, dir);
    std::filesystem::remove_all(dir);
    return {r.metrics.sharpe_ratio, r.metrics.total_return_pct, r.metrics.max_drawdown_pct,
            r.metrics.bars, backtest::to_json(r.metrics, false)};
  }
  EnvConfig cfg = impl_->env_cfg;
  cfg.max_episode_drawdown = std::numeric_limits<double>::infinity();  // evaluate the whole split
  TradingEnv env(std::make_shared<EnvSeries>(split), cfg);
  Observation obs = env.reset_at(0, split.size() - 1);
  std::vector<backtest::EquityPoint> curve;
  curve.reserve(split.size());
  curve.push_back({split.time[0], 1.0, is_session_bar(split.time[0]), 0.0});
  for (;;) {
    const double a = act(obs);
    const StepResult r = env.step(a, obs);
    const Timestamp t = split.time[env.row()];
    curve.push_back({t, r.info.equity, is_session_bar(t), static_cast<double>(r.info.position)});
    if (r.terminated || r.truncated) break;
  }
  const backtest::Metrics metrics = backtest::compute_metrics(curve, {});
  return {metrics.sharpe_ratio, metrics.total_return_pct, metrics.max_drawdown_pct, metrics.bars,
          nlohmann::json()};
}

double PpoTrainer::act(std::span<const float, kObservationSize> obs) const {
  float mu = 0;
  impl_->backend->forward(obs.data(), 1, &mu, nullptr);
  return mu;
}

void PpoTrainer::act_batch(std::span<const float> obs, std::span<double> actions) const {
  std::vector<float> mu(actions.size());
  impl_->backend->forward(obs.data(), static_cast<std::int64_t>(actions.size()), mu.data(),
                          nullptr);
  std::copy(mu.begin(), mu.end(), actions.begin());
}

void PpoTrainer::export_actor(const std::filesystem::path& dir, bool current) const {
  std::filesystem::create_directories(dir);
  impl_->backend->export_actor(dir.string(), !current && impl_->best_sharpe.has_value());
}

namespace {
template <class Rng>
std::string rng_state(const Rng& rng) {
  std::ostringstream out;
  out << rng;
  return out.str();
}
template <class Rng>
void restore_rng(Rng& rng, const std::string& state) {
  std::istringstream in(state);
  in >> rng;
}
std::string architecture(const PpoConfig& ppo) {
  std::string a = "mlp";
  for (int h : ppo.hidden_sizes) {
    a += '-';
    a += std::to_string(h);
  }
  return a;
}
}  // namespace

void PpoTrainer::save_checkpoint(const std::filesystem::path& file) const {
  const auto& m = *impl_;
  const nlohmann::json state = {
      {"architecture", architecture(m.ppo)},
      {"seed", m.seed},
      {"steps", m.steps},
      {"updates", m.updates},
      {"next_eval", m.next_eval},
      {"best_step", m.best_step ? nlohmann::json(*m.best_step) : nlohmann::json()},
      {"best_sharpe", m.best_sharpe ? nlohmann::json(*m.best_sharpe) : nlohmann::json()},
      {"best_metrics", m.best_metrics},
      {"noise_rng", rng_state(m.noise_rng)},
      {"shuffle_rng", rng_state(m.shuffle_rng)}};
  const auto tmp = std::filesystem::path(file.string() + ".tmp");
  m.backend->save(tmp.string(), state.dump());
  std::filesystem::rename(tmp, file);  // a crash never leaves a half-written checkpoint
}

void PpoTrainer::load_checkpoint(const std::filesystem::path& file) {
  auto& m = *impl_;
  if (!std::filesystem::exists(file))
    throw Error(ErrorKind::not_found, file.string() + " does not exist");
  // Check the architecture before loading tensors into networks of another shape.
  auto state = nlohmann::json::parse(m.backend->read_state(file.string()), nullptr, false);
  if (state.is_discarded() || state.value("architecture", "") != architecture(m.ppo))
    throw Error(ErrorKind::invalid_input,
                file.string() + ": architecture " +
                    (state.is_discarded() ? std::string("?") : state.value("architecture", "?")) +
                    " differs from the config's " + architecture(m.ppo));
  state = nlohmann::json::parse(m.backend->load(file.string()));
  m.steps = state.at("steps").get<std::int64_t>();
  m.updates = state.at("updates").get<int>();
  m.next_eval = state.at("next_eval").get<std::int64_t>();
  if (!state.at("best_step").is_null()) m.best_step = state["best_step"].get<std::int64_t>();
  if (!state.at("best_sharpe").is_null()) m.best_sharpe = state["best_sharpe"].get<double>();
  m.best_metrics = state.value("best_metrics", nlohmann::json());
  restore_rng(m.noise_rng, state.at("noise_rng").get<std::string>());
  restore_rng(m.shuffle_rng, state.at("shuffle_rng").get<std::string>());
  m.make_env();
}

std::int64_t PpoTrainer::steps_done() const {
  return impl_->steps;
}
const PpoConfig& PpoTrainer::ppo_config() const {
  return impl_->ppo;
}

std::vector<float> PpoTrainer::parameters() const {
  return impl_->backend->parameters();
}

void PpoTrainer::set_parameters(const std::vector<float>& flat) {
  impl_->backend->set_parameters(flat);
}

}  // namespace usdcop::learn
