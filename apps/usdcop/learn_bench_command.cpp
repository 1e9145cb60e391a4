// usdcop bench train: environment steps/s, policy inference µs (native, libtorch and the plain
// MlpPolicy), end-to-end PPO steps/s of the default configuration for the native and the
// libtorch backends side by side (alternating runs, medians) with the time split (rollout,
// forward, backward, optimizer) and the minibatch time against the BLAS products alone (spec 03
// "Performance", issue 14). Synthetic in-memory data: no database needed.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>

#include "cli_context.hpp"
#include "core/calendar.hpp"
#include "learn/native_ppo.hpp"
#include "learn/ppo_trainer.hpp"
#include "trading/mlp_policy.hpp"

namespace usdcop::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::shared_ptr<learn::EnvSeries> synthetic_series(std::size_t rows) {
  auto s = std::make_shared<learn::EnvSeries>();
  std::mt19937_64 rng(1);
  std::normal_distribution<double> n(0.0, 1.0);
  for (std::size_t i = 0; i < rows; ++i) {
    std::array<float, learn::kMarketFeatures> m{};
    for (auto& x : m) x = static_cast<float>(n(rng));
    s->time.push_back(Timestamp{} + std::chrono::minutes(5 * static_cast<long>(i)));
    s->market.push_back(m);
    s->time_normalized.push_back(static_cast<float>(i % 60) / 59.0f);
    s->next_log_return.push_back(4e-4 * n(rng));
  }
  return s;
}

double env_steps_per_s(const std::shared_ptr<learn::EnvSeries>& series, int n_envs, long steps) {
  learn::VecTradingEnv vec(series, {}, n_envs, 1);
  std::vector<double> actions(static_cast<std::size_t>(n_envs));
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> u(-1, 1);
  const auto t0 = Clock::now();
  for (long i = 0; i < steps / n_envs; ++i) {
    for (auto& a : actions) a = u(rng);
    vec.step(actions);
  }
  return static_cast<double>(steps) / std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU seconds of this process: on a shared machine wall time also counts waiting for a core,
// CPU time only the work (with one thread, the two agree on an idle machine).
double process_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// µs per call: the median over 50 chunks of calls, so that a chunk preempted on a busy machine
// does not weigh on the figure (the fastest chunk is reported too).
template <class F>
nlohmann::json micros_per_call(long calls, F&& f) {
  std::vector<double> chunks;
  const long per_chunk = std::max(1L, calls / 50);
  for (int c = 0; c < 50; ++c) {
    const auto t0 = Clock::now();
    for (long i = 0; i < per_chunk; ++i) f();
    chunks.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count() /
                     static_cast<double>(per_chunk));
  }
  const double fastest = *std::min_element(chunks.begin(), chunks.end());
  return {{"median", median(chunks)}, {"fastest", fastest}};
}

learn::PpoConfig bench_config(learn::PpoBackendKind backend, long steps) {
  learn::PpoConfig cfg;  // spec 03 defaults: 8 × 512, batch 128, 10 epochs, 256-256 tanh
  cfg.backend = backend;
  cfg.total_timesteps = steps;
  cfg.eval_every = 0;
  return cfg;
}

struct TimedRun {
  learn::TrainSummary summary;
  double cpu_s = 0;
};

nlohmann::json run_json(const TimedRun& r) {
  const learn::TrainSummary& s = r.summary;
  const double update_s = s.forward_s + s.backward_s + s.optimizer_s;
  return {
      {"steps_per_s", s.steps_per_s},
      {"cpu_s", r.cpu_s},
      {"steps_per_cpu_s", static_cast<double>(s.steps) / r.cpu_s},
      // The update's share of the CPU time spread over its minibatches (an estimate: the
      // phases are timed in wall time).
      {"minibatch_cpu_ms_estimate",
       s.minibatches && s.wall_s > 0
           ? 1e3 * r.cpu_s * (update_s / s.wall_s) / static_cast<double>(s.minibatches)
           : 0.0},
      {"wall_s", s.wall_s},
      {"rollout_s", s.rollout_s},
      {"forward_s", s.forward_s},
      {"backward_s", s.backward_s},
      {"optimizer_s", s.optimizer_s},
      {"other_s", s.wall_s - s.rollout_s - update_s},
      {"minibatches", s.minibatches},
      {"minibatch_ms", s.minibatches ? 1e3 * update_s / static_cast<double>(s.minibatches) : 0.0},
      {"env_s", s.env_s},
      // Spec 03: the share of wall time outside tensor math (inference, losses, backward, Adam).
      {"outside_tensor_share", s.wall_s > 0 ? 1.0 - s.tensor_s / s.wall_s : 0.0}};
}

// Inference µs through a trainer's backend (batch 1 and 8).
nlohmann::json backend_inference(learn::PpoTrainer& trainer, long calls) {
  std::vector<float> obs(8 * learn::kObservationSize, 0.1f);
  std::vector<double> actions(8);
  std::array<float, learn::kObservationSize> one{};
  one.fill(0.1f);
  double sink = 0;
  nlohmann::json j = {{"batch_1", micros_per_call(calls, [&] { sink += trainer.act(one); })},
                      {"batch_8", micros_per_call(calls, [&] {
                         trainer.act_batch(obs, actions), sink += actions[0];
                       })}};
  j["checksum"] = sink;  // keeps the timed calls from being optimized away
  return j;
}

nlohmann::json mlp_policy_inference(learn::PpoTrainer& trainer, long calls) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("usdcop_bench_train_" + std::to_string(::getpid()));
  trainer.export_actor(dir, true);
  trading::MlpPolicy plain = trading::MlpPolicy::load(dir);
  std::filesystem::remove_all(dir);
  std::vector<float> obs(8 * learn::kObservationSize, 0.1f);
  std::array<float, learn::kObservationSize> one{};
  one.fill(0.1f);
  double sink = 0;
  nlohmann::json j = {{"batch_1", micros_per_call(calls, [&] { sink += plain.act(one); })},
                      {"batch_8_sequential", micros_per_call(calls, [&] {
                         for (int i = 0; i < 8; ++i)
                           sink += plain.act(std::span<const float, 15>(
                               obs.data() + static_cast<std::ptrdiff_t>(i) * 15, 15));
                       })}};
  j["checksum"] = sink;
  return j;
}

struct BenchOpts {
  long ppo_steps = 16384;
  int threads = 0;
  int runs = 3;
  std::string backend = "both";
  bool json = false;
};

nlohmann::json ppo_side_by_side(const BenchOpts& o,
                                const std::shared_ptr<learn::EnvSeries>& series) {
  std::vector<learn::PpoBackendKind> kinds;
  if (o.backend != "libtorch") kinds.push_back(learn::PpoBackendKind::native);
  if (o.backend != "native") kinds.push_back(learn::PpoBackendKind::libtorch);
  std::map<learn::PpoBackendKind, std::vector<TimedRun>> runs;
  for (int r = 0; r < o.runs; ++r) {
    // Alternate the order so that drifting load hits both backends alike.
    std::vector<learn::PpoBackendKind> order = kinds;
    if (r % 2) std::reverse(order.begin(), order.end());
    for (auto kind : order) {
      learn::PpoTrainer trainer(bench_config(kind, o.ppo_steps), {}, series, nullptr, 42);
      const double cpu0 = process_cpu_s();
      TimedRun t;
      t.summary = trainer.train(nullptr);
      t.cpu_s = process_cpu_s() - cpu0;
      runs[kind].push_back(t);
    }
  }
  nlohmann::json out = nlohmann::json::object();
  std::map<learn::PpoBackendKind, double> medians, cpu_medians;
  for (auto& [kind, list] : runs) {
    std::vector<double> rates, cpu_rates;
    for (const auto& t : list) {
      rates.push_back(t.summary.steps_per_s);
      cpu_rates.push_back(static_cast<double>(t.summary.steps) / t.cpu_s);
    }
    medians[kind] = median(rates);
    cpu_medians[kind] = median(cpu_rates);
    // The split of the run closest to the median.
    const auto closest =
        std::min_element(list.begin(), list.end(), [&](const auto& a, const auto& b) {
          return std::abs(a.summary.steps_per_s - medians[kind]) <
                 std::abs(b.summary.steps_per_s - medians[kind]);
        });
    nlohmann::json j = run_json(*closest);
    j["median_steps_per_s"] = medians[kind];
    j["median_steps_per_cpu_s"] = cpu_medians[kind];
    j["runs_steps_per_s"] = rates;
    j["runs_steps_per_cpu_s"] = cpu_rates;
    out[learn::to_string(kind)] = j;
  }
  if (cpu_medians.size() == 2)
    out["native_over_libtorch_cpu"] =
        cpu_medians[learn::PpoBackendKind::native] / cpu_medians[learn::PpoBackendKind::libtorch];
  if (medians.size() == 2)
    out["native_over_libtorch"] =
        medians[learn::PpoBackendKind::native] / medians[learn::PpoBackendKind::libtorch];
  out["config"] =
      "spec 03 defaults: 8x512 rollout, batch 128, 10 epochs, 256-256 tanh, no evaluation";
  out["steps_per_run"] = o.ppo_steps;
  return out;
}

void add_bench_train(CLI::App& app) {
  auto o = std::make_shared<BenchOpts>();
  auto* bench = app.get_subcommand("bench");
  auto* c = bench->add_subcommand(
      "train", "Training throughput: environment, policy inference, end-to-end PPO per backend");
  c->add_option("--ppo-steps", o->ppo_steps,
                "Environment steps of each end-to-end PPO run (default 16384)")
      ->check(CLI::Range(4096L, 10'000'000L));
  c->add_option("--threads", o->threads, "OpenBLAS/OpenMP and torch threads (0 = all cores)");
  c->add_option("--runs", o->runs, "PPO runs per backend, alternating (default 3)")
      ->check(CLI::Range(1, 50));
  c->add_option("--backend", o->backend, "native, libtorch or both (default both)")
      ->check(CLI::IsMember({"native", "libtorch", "both"}));
  c->add_flag("--json", o->json, "Machine-readable output");
  c->callback([o] {
    const int threads = learn::set_tensor_threads(o->threads);
    const auto series = synthetic_series(50'000);
    nlohmann::json out;
    out["threads"] = threads;
    out["openblas"] = learn::blas_version();
    out["env_steps_per_s"] = {{"envs_1", env_steps_per_s(series, 1, 2'000'000)},
                              {"envs_8", env_steps_per_s(series, 8, 2'000'000)}};
    const long calls = 20'000;
    nlohmann::json inference;
    for (const char* name : {"native", "libtorch"}) {
      if (o->backend != "both" && o->backend != name) continue;
      const auto kind = std::string(name) == "native" ? learn::PpoBackendKind::native
                                                      : learn::PpoBackendKind::libtorch;
      learn::PpoTrainer trainer(bench_config(kind, o->ppo_steps), {}, series, nullptr, 42);
      inference[name] = backend_inference(trainer, calls);
      if (!inference.contains("mlp_policy"))
        inference["mlp_policy"] = mlp_policy_inference(trainer, calls);
    }
    out["inference_us"] = inference;
    if (o->backend != "native") out["libtorch"] = learn::torch_version();
    learn::NativePpoOptions shapes;  // the default 15-256-256-1 networks, batch 128
    const learn::ProductsTime floor = learn::minibatch_products_ms(shapes, 128, 15);
    out["minibatch_products_ms"] = {{"wall", floor.wall_ms}, {"cpu", floor.cpu_ms}};
    out["ppo"] = ppo_side_by_side(*o, series);
    if (o->json) return print_json(out);
    std::cout << out.dump(2) << "\n";
  });
}

const CommandRegistration reg{61, add_bench_train};

}  // namespace
}  // namespace usdcop::cli
