// usdcop bench train: environment steps/s, policy inference µs (libtorch and the plain
// MlpPolicy), end-to-end PPO steps/s with the default configuration and its share of time in
// tensor math (spec 03 "Performance"). Synthetic in-memory data: no database needed.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>

#include "cli_context.hpp"
#include "core/calendar.hpp"
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

template <class F>
double micros_per_call(long calls, F&& f) {
  const auto t0 = Clock::now();
  for (long i = 0; i < calls; ++i) f();
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count() /
         static_cast<double>(calls);
}

void add_bench_train(CLI::App& app) {
  struct Opts {
    long ppo_steps = 16384;
    int threads = 0;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* bench = app.get_subcommand("bench");
  auto* c = bench->add_subcommand(
      "train", "Training throughput: environment, policy inference, end-to-end PPO");
  c->add_option("--ppo-steps", o->ppo_steps,
                "Environment steps of the end-to-end PPO run (default 16384)")
      ->check(CLI::Range(4096L, 10'000'000L));
  c->add_option("--threads", o->threads, "Tensor threads (0 = all cores)");
  c->add_flag("--json", o->json, "Machine-readable output");
  c->callback([o] {
    const int threads = learn::set_tensor_threads(o->threads);
    const auto series = synthetic_series(50'000);
    nlohmann::json out;
    out["threads"] = threads;
    out["libtorch"] = learn::torch_version();
    out["env_steps_per_s"] = {{"envs_1", env_steps_per_s(series, 1, 2'000'000)},
                              {"envs_8", env_steps_per_s(series, 8, 2'000'000)}};
    // Inference: the default 256-256 actor through libtorch and through the exported files.
    learn::PpoConfig cfg;
    cfg.total_timesteps = o->ppo_steps;
    cfg.eval_every = 0;
    learn::PpoTrainer trainer(cfg, {}, series, nullptr, 42);
    const auto dir = std::filesystem::temp_directory_path() /
                     ("usdcop_bench_train_" + std::to_string(::getpid()));
    trainer.export_actor(dir, true);
    trading::MlpPolicy plain = trading::MlpPolicy::load(dir);
    std::filesystem::remove_all(dir);
    std::vector<float> obs(8 * learn::kObservationSize, 0.1f);
    std::vector<double> actions(8);
    std::array<float, learn::kObservationSize> one{};
    one.fill(0.1f);
    double sink = 0;
    const long calls = 20'000;
    out["inference_us"] = {
        {"libtorch_batch_1", micros_per_call(calls, [&] { sink += trainer.act(one); })},
        {"libtorch_batch_8",
         micros_per_call(calls, [&] { trainer.act_batch(obs, actions), sink += actions[0]; })},
        {"mlp_policy_batch_1", micros_per_call(calls, [&] { sink += plain.act(one); })},
        {"mlp_policy_batch_8", micros_per_call(calls, [&] {
           for (int i = 0; i < 8; ++i)
             sink += plain.act(
                 std::span<const float, 15>(obs.data() + static_cast<std::ptrdiff_t>(i) * 15, 15));
         })}};
    const learn::TrainSummary s = trainer.train(nullptr);
    out["ppo"] = {{"steps", s.steps},
                  {"wall_s", s.wall_s},
                  {"steps_per_s", s.steps_per_s},
                  {"tensor_s", s.tensor_s},
                  {"env_s", s.env_s},
                  {"tensor_share", s.tensor_s / s.wall_s},
                  {"outside_tensor_share", 1.0 - s.tensor_s / s.wall_s},
                  {"config", "spec 03 defaults: 8x512 rollout, batch 128, 10 epochs, 256-256 tanh"},
                  {"projected_2m_steps_h", 2e6 / s.steps_per_s / 3600.0}};
    out["checksum"] = sink;  // keeps the timed calls from being optimized away
    if (o->json) return print_json(out);
    std::cout << out.dump(2) << "\n";
  });
}

const CommandRegistration reg{61, add_bench_train};

}  // namespace
}  // namespace usdcop::cli
