// usdcop dataset build | train (spec 03; docs/TRAINING.md): parsing, the progress bar and
// the stop signals; the use cases are in src/app/training.hpp.
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "app/training.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "command_identity.hpp"
#include "core/error.hpp"

namespace usdcop::cli {
namespace {

namespace fs = std::filesystem;

void render_text(std::ostream& out, const app::BuiltDataset& b) {
  out << "dataset:  " << b.dir.string()
      << "\nhash:     " << b.info["dataset_hash"].get<std::string>() << "\n";
  for (const auto& [name, s] : b.info["splits"].items())
    out << "split " << name << ": " << s["rows"] << " rows, " << s["first_time"].get<std::string>()
        << " .. " << s["last_time"].get<std::string>() << "\n";
  out << "dropped:  " << b.info["dropped"].dump() << "\n";
}

nlohmann::json render_json(const app::BuiltDataset& b) {
  nlohmann::json out = b.info;
  out["dir"] = b.dir.string();
  out["run_id"] = b.run_id;
  return out;
}

void add_dataset_build(CLI::App& dataset) {
  struct Opts {
    std::string config, out;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = dataset.add_subcommand(
      "build", "Build a versioned training dataset from stored features and bars");
  c->add_option("--config", o->config, "Experiment file, e.g. config/experiments/baseline.yaml")
      ->required();
  c->add_option("--out", o->out, "Dataset directory (default: datasets/<experiment>-<hash12>)");
  c->add_flag("--json", o->json, "Machine-readable output (dataset.json + dir)");
  c->callback([o] {
    const auto cfg = learn::load_experiment_config(o->config);
    print_result(app::build_dataset(services(), {cfg, o->out, "datasets"}), o->json, render_json,
                 render_text);
  });
}

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) {
  g_stop.store(true);
}

std::string duration_text(double s) {
  if (!std::isfinite(s) || s < 0) return "--";
  const long t = std::lround(s);
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, t / 60 % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  return buf;
}

// Progress: a bar redrawn in place on a terminal, plain lines (every >= 10 s) otherwise; Ctrl-C
// and SIGTERM (kill, systemd, a container stop) ask for a checkpoint while PPO runs.
class TrainingProgress final : public app::TrainingObserver {
 public:
  void stale_run_marked(const std::string& id) override {
    std::cerr << "train: run " << id
              << " was left running by a process that no longer exists; marked interrupted "
                 "(resume it with usdcop train --resume DIR)\n";
  }
  void training_started(std::int64_t total, std::int64_t start) override {
    total_ = total;
    start_steps_ = start;
    t0_ = std::chrono::steady_clock::now();
    g_stop = false;
    previous_int_ = std::signal(SIGINT, on_stop_signal);
    previous_term_ = std::signal(SIGTERM, on_stop_signal);
  }
  void training_ended(bool failed) override {
    std::signal(SIGINT, previous_int_);
    std::signal(SIGTERM, previous_term_);
    if (!failed && tty_) std::cerr << "\n";
  }
  void update(const learn::UpdateLog& l) override {
    if (!std::isnan(l.mean_episode_reward)) reward_ = l.mean_episode_reward;
    if (l.val_sharpe) sharpe_ = *l.val_sharpe;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    const double rate = static_cast<double>(l.steps - start_steps_) / elapsed;
    const double eta = static_cast<double>(total_ - l.steps) / rate;
    char line[256];
    char reward[32] = "-", sharpe[32] = "-";
    if (!std::isnan(reward_)) std::snprintf(reward, sizeof reward, "%.3f", reward_);
    if (sharpe_) std::snprintf(sharpe, sizeof sharpe, "%.3f", *sharpe_);
    std::snprintf(line, sizeof line,
                  "%lld/%lld steps  %.0f steps/s  ETA %s  ep_reward %s  val_sharpe %s",
                  static_cast<long long>(l.steps), static_cast<long long>(total_), rate,
                  duration_text(eta).c_str(), reward, sharpe);
    if (tty_) {
      const int width = 24;
      const int filled =
          static_cast<int>(width * static_cast<double>(l.steps) / static_cast<double>(total_));
      std::string bar(static_cast<std::size_t>(std::clamp(filled, 0, width)), '#');
      bar.resize(width, '.');
      std::cerr << "\r[" << bar << "] " << line << "\033[K" << std::flush;
    } else if (elapsed - last_print_ >= 10.0 || l.steps >= total_ || l.val_sharpe) {
      std::cerr << "train: " << line << "\n";
      last_print_ = elapsed;
    }
  }

 private:
  using Handler = void (*)(int);
  Handler previous_int_ = SIG_DFL, previous_term_ = SIG_DFL;
  std::int64_t total_ = 0, start_steps_ = 0;
  bool tty_ = isatty(STDERR_FILENO) != 0;
  double reward_ = std::nan(""), last_print_ = -1e9;
  std::optional<double> sharpe_;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

// The caller a token given to `train` authenticates (the use case requires an operator: a
// training feeds the registry); none when no token is given, so training without one keeps
// working unattributed.
std::optional<app::Caller> trainer(const std::string& token_file) {
  const char* env = std::getenv("USDCOP_TOKEN");
  if (token_file.empty() && (env == nullptr || *env == '\0')) return std::nullopt;
  return command_caller(token_file, "train");
}

void render_text(std::ostream& out, const app::TrainOutcome& t) {
  const auto& s = t.result.summary;
  out << "run " << t.result.run_id << ": " << s.steps << " steps in " << duration_text(s.wall_s)
      << " (" << std::lround(s.steps_per_s) << " steps/s, " << t.result.threads
      << " threads), best validation Sharpe "
      << (s.best_val_sharpe ? std::to_string(*s.best_val_sharpe) : std::string("-")) << ", model "
      << t.model_hash.substr(0, 12) << ", dir " << t.run_dir.string() << "\n";
}

nlohmann::json render_json(const app::TrainOutcome& t) {
  nlohmann::json out = t.result.run_json;
  out["dir"] = fs::absolute(t.run_dir).string();
  return out;
}

void add_train(CLI::App& app) {
  struct Opts {
    std::string config, out, dataset, resume, token_file;
    std::optional<std::uint64_t> seed;
    std::optional<std::int64_t> timesteps;
    std::optional<int> threads;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("train",
                               "Train a PPO policy (libtorch) and write a verified run directory");
  auto* config =
      c->add_option("--config", o->config, "Experiment file (config/experiments/NAME.yaml)");
  c->add_option("--seed", o->seed, "Seed (default: the config's)");
  c->add_option("--timesteps", o->timesteps,
                "Total environment steps (default: ppo.total_timesteps)")
      ->check(CLI::PositiveNumber);
  c->add_option("--threads", o->threads, "Tensor threads (default: ppo.threads, 0 = all cores)");
  c->add_option("--out", o->out, "Run directory (default: runs/<run_id>)");
  c->add_option("--dataset", o->dataset,
                "Use this dataset directory instead of building one from the database");
  auto* resume = c->add_option("--resume", o->resume, "Continue an interrupted run directory");
  c->add_flag("--json", o->json, "Print run.json on success");
  add_token_option(*c, o->token_file);
  config->excludes(resume);
  c->footer(
      "Ctrl-C or SIGTERM writes a resumable checkpoint (policy.pt + resume.json) and exits with\n"
      "status 3. A checkpoint is also written every ppo.checkpoint_every updates: a run killed\n"
      "outright (kill -9, crash) is marked interrupted by the next `usdcop train` and resumes\n"
      "from there.\n"
      "With a token (--token-file or USDCOP_TOKEN; operator or admin) the run records its\n"
      "principal as trained_by: that principal may not cast the manual vote on its promotion.");
  c->callback([o] {
    app::TrainRequest request;
    request.caller = trainer(o->token_file);
    auto& db = services();
    if (o->resume.empty() && o->config.empty())
      throw Error(ErrorKind::invalid_input, "--config or --resume is required");
    request.config_file = o->config;
    request.resume_dir = o->resume;
    request.seed = o->seed;
    request.timesteps = o->timesteps;
    request.threads = o->threads;
    request.out = o->out;
    request.dataset_dir = o->dataset;
    request.stop = &g_stop;
    TrainingProgress progress;
    const auto outcome = app::train(db, request, progress);
    if (outcome.interrupted) {
      std::cerr << "interrupted at step " << outcome.result.summary.steps
                << "; checkpoint written. Resume with: usdcop train --resume "
                << outcome.run_dir.string() << "\n";
      throw ExitRequest{kPartial};
    }
    print_result(outcome, o->json, render_json, render_text);
  });
}

void add_learn_commands(CLI::App& app) {
  auto* dataset = app.add_subcommand("dataset", "Training datasets (spec 03)");
  dataset->require_subcommand(1);
  add_dataset_build(*dataset);
  add_train(app);
}

const CommandRegistration reg{60, add_learn_commands};

}  // namespace
}  // namespace usdcop::cli
