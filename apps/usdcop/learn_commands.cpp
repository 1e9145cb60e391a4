// usdcop dataset build | train (spec 03; docs/TRAINING.md).
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli_context.hpp"
#include "cli_services.hpp"
#include "command_identity.hpp"
#include "core/error.hpp"
#include "learn/dataset.hpp"
#include "learn/training_run.hpp"
#include "market/bar_store.hpp"
#include "model_source.hpp"
#include "store/pg_experiment_run_store.hpp"
#include "store/pg_feature_store.hpp"
#include "trading/run_artifacts.hpp"

namespace usdcop::cli {
namespace {

namespace fs = std::filesystem;

struct BuiltDataset {
  fs::path dir;
  std::string run_id;
  nlohmann::json info;
};

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

// Reads feature rows and bars for the configured splits (never recomputes features), writes
// the dataset under `out` (or <root>/<experiment>-<hash12>) and records it.
BuiltDataset build_dataset(const learn::ExperimentConfig& cfg, const fs::path& out,
                           const fs::path& root) {
  auto& db = services();
  store::PgFeatureStore features(db.pool());
  const Timestamp from = cot_midnight(cfg.splits.front().start);
  const Timestamp to = cot_midnight(cfg.splits.back().end + std::chrono::days(1));
  const auto rows = features.load(from, to);
  // The return of the last row needs the next stored bar, possibly after the split's end.
  const auto bars = db.bars().load_bars(from, to + std::chrono::days(10));
  learn::Dataset ds = learn::assemble_dataset(cfg, rows, bars);
  const fs::path tmp =
      (out.empty() ? root : out.parent_path()) / (".dataset-tmp-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  learn::write_dataset(ds, tmp);
  fs::path dir = out;
  if (dir.empty()) dir = root / (cfg.experiment + "-" + ds.dataset_hash.substr(0, 12));
  if (fs::exists(dir / "dataset.json") &&
      read_json(dir / "dataset.json").value("dataset_hash", "") == ds.dataset_hash) {
    fs::remove_all(tmp);  // the same dataset is already there
  } else {
    fs::remove_all(dir);
    if (!dir.parent_path().empty()) fs::create_directories(dir.parent_path());
    fs::rename(tmp, dir);
  }
  BuiltDataset built{fs::absolute(dir),
                     "dataset_" + cfg.experiment + "_" + ds.dataset_hash.substr(0, 12),
                     read_json(dir / "dataset.json")};
  learn::ExperimentRunRecord rec;
  rec.run_id = built.run_id;
  rec.kind = "dataset";
  rec.experiment = cfg.experiment;
  rec.status = "completed";
  rec.config = {{"splits", built.info["splits"]}, {"embargo_sessions", cfg.embargo_sessions}};
  rec.artifact_uri = built.dir.string();
  rec.dataset_hash = ds.dataset_hash;
  rec.norm_stats_hash = built.info.value("norm_stats_hash", "");
  rec.feature_order_hash = built.info.value("feature_order_hash", "");
  rec.builder_version = built.info.value("builder_version", "");
  rec.metrics = {{"rows", built.info["rows"]}, {"dropped", built.info["dropped"]}};
  rec.finished = true;
  store::PgExperimentRunStore(db.pool()).record(rec);
  return built;
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
    const BuiltDataset b = build_dataset(cfg, o->out, "datasets");
    nlohmann::json out = b.info;
    out["dir"] = b.dir.string();
    out["run_id"] = b.run_id;
    if (o->json) return print_json(out);
    std::cout << "dataset:  " << b.dir.string()
              << "\nhash:     " << b.info["dataset_hash"].get<std::string>() << "\n";
    for (const auto& [name, s] : b.info["splits"].items())
      std::cout << "split " << name << ": " << s["rows"] << " rows, "
                << s["first_time"].get<std::string>() << " .. " << s["last_time"].get<std::string>()
                << "\n";
    std::cout << "dropped:  " << b.info["dropped"].dump() << "\n";
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

// Progress: a bar redrawn in place on a terminal, plain lines (every >= 10 s) otherwise.
class Progress {
 public:
  Progress(std::int64_t total, std::int64_t start)
      : total_(total), start_steps_(start), tty_(isatty(STDERR_FILENO)) {}
  void update(const learn::UpdateLog& l) {
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
  void finish() {
    if (tty_) std::cerr << "\n";
  }

 private:
  std::int64_t total_, start_steps_;
  bool tty_;
  double reward_ = std::nan(""), last_print_ = -1e9;
  std::optional<double> sharpe_;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

// The validation split replayed by the backtest (checkpoint selection): its COT days' stored
// bars and feature rows, with the configuration `usdcop backtest --period validation` uses for
// the exported model (config/trading.yaml with the run's thresholds, config/risk.yaml, the
// run's position rules).
std::optional<learn::ValidationReplay> validation_replay(const learn::ExperimentConfig& cfg) {
  if (cfg.splits.size() < 2) return std::nullopt;
  const auto& val = cfg.splits[1];
  const auto [from, to] = cot_day_range(val.start, val.end);
  auto& db = services();
  learn::ValidationReplay r;
  r.bars = db.bars().load_bars(from, to);
  r.rows = store::PgFeatureStore(db.pool()).load(from, to);
  r.config.trading = trading::load_trading_config();
  r.config.trading.thresholds = cfg.env.thresholds;
  r.config.risk = trading::load_risk_profile();
  r.config.rules = {cfg.env.min_hold_bars, cfg.env.flat_at_session_end};
  if (r.bars.empty()) return std::nullopt;
  return r;
}

// The principal a token given to `train` authenticates (operator at least: a training feeds
// the registry); "" when no token is given, so training without one keeps working unattributed.
std::string trainer_principal(const std::string& token_file) {
  const char* env = std::getenv("USDCOP_TOKEN");
  if (token_file.empty() && (env == nullptr || *env == '\0')) return "";
  return authenticate_command(token_file, models::Role::operator_, "train").principal;
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
    const std::string trainer = trainer_principal(o->token_file);
    auto& db = services();
    store::PgExperimentRunStore runs(db.pool());
    for (const auto& id : runs.mark_stale_runs_interrupted())
      std::cerr << "train: run " << id
                << " was left running by a process that no longer exists; marked interrupted "
                   "(resume it with usdcop train --resume DIR)\n";
    learn::TrainingRunRequest req;
    std::int64_t start_steps = 0;
    if (!o->resume.empty()) {
      req = learn::resume_request(o->resume);
      start_steps = read_json(fs::path(o->resume) / "resume.json").value("steps", std::int64_t{0});
    } else {
      if (o->config.empty())
        throw Error(ErrorKind::invalid_input, "--config or --resume is required");
      req.config = learn::load_experiment_config(o->config);
      if (o->seed) req.config.seed = *o->seed;
      req.run_id = learn::new_run_id(req.config.seed);
      // Two runs started in the same minute with the same seed get distinct ids.
      for (int n = 2; runs.find(req.run_id); ++n)
        req.run_id = learn::new_run_id(req.config.seed) + "_" + std::to_string(n);
      req.run_dir = o->out.empty() ? fs::path("runs") / req.run_id : fs::path(o->out);
      if (fs::exists(req.run_dir) && !fs::is_empty(req.run_dir))
        throw Error(ErrorKind::conflict, "--out: " + req.run_dir.string() + " is not empty");
    }
    // A resumed run keeps the trainer it started with.
    if (req.trained_by.empty()) req.trained_by = trainer;
    if (o->timesteps) req.config.ppo.total_timesteps = *o->timesteps;
    if (o->threads) req.config.ppo.threads = *o->threads;

    req.validation_replay = validation_replay(req.config);

    std::optional<std::string> parent;
    if (!o->dataset.empty()) {
      req.dataset_dir = fs::absolute(o->dataset);
    } else if (!req.resume) {
      const BuiltDataset b = build_dataset(req.config, req.run_dir / "dataset", "");
      req.dataset_dir = b.dir;
      parent = b.run_id;
    }
    const auto info = read_json(req.dataset_dir / "dataset.json");
    const std::string ds_hash = info.value("dataset_hash", "");
    if (!parent) {
      const std::string id = "dataset_" + req.config.experiment + "_" + ds_hash.substr(0, 12);
      if (runs.find(id)) parent = id;
    }
    learn::ExperimentRunRecord rec;
    rec.run_id = req.run_id;
    rec.kind = "training";
    rec.experiment = req.config.experiment;
    rec.parent_run_id = parent;
    rec.config = {
        {"yaml", learn::resolved_yaml(req.config)},
        {"dataset_dir", req.dataset_dir.string()},
        {"trained_by", req.trained_by.empty() ? nlohmann::json() : nlohmann::json(req.trained_by)}};
    rec.artifact_uri = fs::absolute(req.run_dir).string();
    rec.dataset_hash = ds_hash;
    rec.norm_stats_hash = info.value("norm_stats_hash", "");
    rec.feature_order_hash = info.value("feature_order_hash", "");
    rec.builder_version = info.value("builder_version", "");
    rec.seed = static_cast<std::int64_t>(req.config.seed);
    // The liveness lock is taken before the row says `running`, so a running row without it
    // always belongs to a dead process.
    store::TrainingLiveness alive(db.pool(), req.run_id);
    runs.record(rec);
    g_stop = false;
    // SIGTERM (kill, systemd, a container stop) checkpoints like Ctrl-C.
    auto* previous_int = std::signal(SIGINT, on_stop_signal);
    auto* previous_term = std::signal(SIGTERM, on_stop_signal);
    auto restore_signals = [&] {
      std::signal(SIGINT, previous_int);
      std::signal(SIGTERM, previous_term);
    };
    Progress progress(req.config.ppo.total_timesteps, start_steps);
    learn::TrainingRunResult result;
    std::optional<trading::RunArtifacts> verified;
    try {
      result = learn::run_training(
          req, [&](const learn::UpdateLog& l) { progress.update(l); }, &g_stop);
      // The run directory must verify exactly as its readers (backtest, registry, live) check
      // it (hashes, finite weights).
      if (!result.summary.interrupted) verified = trading::verify_run_directory(req.run_dir);
    } catch (...) {
      restore_signals();
      rec.status = "failed";
      rec.finished = true;
      runs.record(rec);
      throw;
    }
    restore_signals();
    progress.finish();
    const auto& s = result.summary;
    rec.finished = true;
    rec.metrics = {{"steps", s.steps},
                   {"wall_s", s.wall_s},
                   {"steps_per_s", s.steps_per_s},
                   {"best_validation_sharpe",
                    s.best_val_sharpe ? nlohmann::json(*s.best_val_sharpe) : nlohmann::json()}};
    if (s.interrupted) {
      rec.status = "interrupted";
      runs.record(rec);
      std::cerr << "interrupted at step " << s.steps
                << "; checkpoint written. Resume with: usdcop train --resume "
                << req.run_dir.string() << "\n";
      throw ExitRequest{kPartial};
    }
    rec.status = "completed";
    rec.metrics["model_hash"] = verified->model_hash;
    runs.record(rec);
    if (o->json) {
      nlohmann::json out = result.run_json;
      out["dir"] = fs::absolute(req.run_dir).string();
      return print_json(out);
    }
    std::cout << "run " << result.run_id << ": " << s.steps << " steps in "
              << duration_text(s.wall_s) << " (" << std::lround(s.steps_per_s) << " steps/s, "
              << result.threads << " threads), best validation Sharpe "
              << (s.best_val_sharpe ? std::to_string(*s.best_val_sharpe) : std::string("-"))
              << ", model " << verified->model_hash.substr(0, 12) << ", dir "
              << req.run_dir.string() << "\n";
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
