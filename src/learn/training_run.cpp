#include "learn/training_run.hpp"

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/file_error.hpp"
#include "core/sha256.hpp"
#include "features/contract.hpp"
#include "trading/run_artifacts.hpp"

namespace usdcop::learn {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error(ErrorKind::not_found, p.string() + " does not exist");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const fs::path& p, const std::string& text) {
  errno = 0;
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) throw file_write_error(p.string(), errno, ErrorKind::internal);
}

std::string num(double v) {
  if (std::isnan(v)) return "";
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

std::string opt_num(const std::optional<double>& v) {
  return v ? num(*v) : std::string();
}

nlohmann::json null_or(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

// The libtorch version only when libtorch ran (asking would load it).
nlohmann::json library_versions(PpoBackendKind backend) {
  nlohmann::json v = {{"openblas", blas_version()}, {"usdcop_learn", "1"}};
  if (backend == PpoBackendKind::libtorch) v["libtorch"] = torch_version();
  return v;
}

}  // namespace

std::string new_run_id(std::uint64_t seed) {
  const auto now = std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now());
  const auto day = std::chrono::floor<std::chrono::days>(now);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss hms(now - day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "ppo_%04d%02u%02u_%02ld%02ld_s%llu", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<unsigned long long>(seed));
  return buf;
}

std::string training_log_header() {
  return "steps,update,wall_s,steps_per_s,episodes,mean_episode_reward,policy_loss,value_loss,"
         "entropy,"
         "approx_kl,clip_fraction,explained_variance,log_std,val_sharpe,val_return,val_max_"
         "drawdown,"
         "tensor_s,env_s\n";
}

std::string training_log_line(const UpdateLog& l) {
  std::string s = std::to_string(l.steps);
  for (const std::string& f :
       {std::to_string(l.update), num(l.wall_s), num(l.steps_per_s), std::to_string(l.episodes),
        num(l.mean_episode_reward), num(l.policy_loss), num(l.value_loss), num(l.entropy),
        num(l.approx_kl), num(l.clip_fraction), num(l.explained_variance), num(l.log_std),
        opt_num(l.val_sharpe), opt_num(l.val_return), opt_num(l.val_max_drawdown), num(l.tensor_s),
        num(l.env_s)}) {
    s += ',';
    s += f;
  }
  s += '\n';
  return s;
}

namespace {

struct RunSplits {
  const DatasetSplit* train = nullptr;
  const DatasetSplit* val = nullptr;
  const DatasetSplit* test = nullptr;  // the held-out period: recorded for `backtest --period test`
};

RunSplits find_splits(const Dataset& ds, const ExperimentConfig& cfg) {
  RunSplits s;
  s.train = ds.find(cfg.train().name);
  s.val = cfg.splits.size() > 1 ? ds.find(cfg.splits[1].name) : nullptr;
  s.test = cfg.splits.size() > 2 ? ds.find(cfg.splits[2].name) : nullptr;
  if (!s.train)
    throw Error(ErrorKind::invalid_input, "dataset has no split named '" + cfg.train().name + "'");
  if (s.train->spec.start != cfg.train().start || s.train->spec.end != cfg.train().end)
    throw Error(ErrorKind::conflict,
                "dataset split '" + s.train->spec.name + "' covers other dates than the config");
  return s;
}

// policy.pt + resume.json are always a consistent resumable pair: written at the start, every
// ppo.checkpoint_every updates and at an interrupt, so even a kill -9 can be resumed.
void write_checkpoint(PpoTrainer& trainer, const TrainingRunRequest& req) {
  trainer.save_checkpoint(req.run_dir / "policy.pt");
  const nlohmann::json resume = {{"run_id", req.run_id},
                                 {"dataset_dir", fs::absolute(req.dataset_dir).string()},
                                 {"steps", trainer.steps_done()},
                                 {"trained_by", req.trained_by}};
  write_text(req.run_dir / "resume.json.tmp", resume.dump(2) + "\n");
  fs::rename(req.run_dir / "resume.json.tmp", req.run_dir / "resume.json");
}

nlohmann::json date_or_null(const DatasetSplit* split, bool end) {
  if (!split) return nlohmann::json();
  return format_date(end ? split->spec.end : split->spec.start);
}

// run.json of a finished run.
nlohmann::json run_record(const TrainingRunRequest& req, const Dataset& ds, const RunSplits& s,
                          const TrainingRunResult& result, const nlohmann::json& artifacts,
                          double wall) {
  const auto& cfg = req.config;
  const bool replay = req.validation_replay && s.val;
  return {
      {"format", "usdcop-run-v1"},
      {"run_id", req.run_id},
      {"experiment", cfg.experiment},
      {"algorithm", "ppo"},
      {"seed", cfg.seed},
      {"builder_version", std::string(features::kBuilderVersion)},
      {"feature_order_hash", features::feature_order_hash()},
      {"norm_stats_hash", features::norm_stats_hash(ds.norm_stats)},
      {"dataset_hash", ds.dataset_hash},
      {"model_hash", artifacts["actor.bin"]},
      {"training_start", format_date(s.train->spec.start)},
      {"training_end", format_date(s.train->spec.end)},
      {"validation_start", date_or_null(s.val, false)},
      {"validation_end", date_or_null(s.val, true)},
      {"test_start", date_or_null(s.test, false)},
      {"test_end", date_or_null(s.test, true)},
      {"timesteps", result.summary.steps},
      {"wall_time_s", wall},
      {"steps_per_s", result.summary.steps_per_s},
      {"tensor_time_share",
       result.summary.wall_s > 0 ? result.summary.tensor_s / result.summary.wall_s : 0.0},
      {"threads", result.threads},
      {"ppo_backend", to_string(cfg.ppo.backend)},
      {"library_versions", library_versions(cfg.ppo.backend)},
      {"best_validation_sharpe", null_or(result.summary.best_val_sharpe)},
      {"best_validation_metrics", result.summary.best_val_metrics},
      {"validation_selection", replay ? "backtest" : "environment"},
      {"best_at_step", result.summary.best_at_step ? nlohmann::json(*result.summary.best_at_step)
                                                   : nlohmann::json()},
      {"resumed", req.resume},
      {"trained_by", req.trained_by.empty() ? nlohmann::json() : nlohmann::json(req.trained_by)},
      {"artifacts", artifacts}};
}

}  // namespace

TrainingRunResult run_training(const TrainingRunRequest& req,
                               const std::function<void(const UpdateLog&)>& on_update,
                               const std::atomic<bool>* stop) {
  const auto wall_start = std::chrono::steady_clock::now();
  const Dataset ds = read_dataset(req.dataset_dir);
  const auto& cfg = req.config;
  const RunSplits splits = find_splits(ds, cfg);
  TrainingRunResult result;
  result.run_id = req.run_id;
  result.run_dir = req.run_dir;
  result.threads = set_tensor_threads(cfg.ppo.threads);
  fs::create_directories(req.run_dir);
  if (!req.resume && fs::exists(req.run_dir / "run.json"))
    throw Error(ErrorKind::conflict, req.run_dir.string() + " already holds a finished run");
  PpoTrainer trainer(cfg.ppo, cfg.env, env_series(ds, *splits.train),
                     splits.val ? env_series(ds, *splits.val) : nullptr, cfg.seed);
  if (req.validation_replay && splits.val) {
    auto replay = std::make_shared<ValidationReplay>(*req.validation_replay);
    replay->norm_stats = ds.norm_stats;
    trainer.set_validation_replay(std::move(replay));
  }
  const fs::path log_path = req.run_dir / "training_log.csv";
  if (req.resume) {
    trainer.load_checkpoint(req.run_dir / "policy.pt");
  } else {
    write_text(log_path, training_log_header());
  }
  write_text(req.run_dir / "config.yaml", resolved_yaml(cfg));
  write_text(req.run_dir / "dataset.json", read_text(req.dataset_dir / "dataset.json"));
  write_text(req.run_dir / "norm_stats.json", read_text(req.dataset_dir / "norm_stats.json"));
  fs::remove(req.run_dir / "run.json");
  write_checkpoint(trainer, req);
  {
    std::ofstream log(log_path, std::ios::app);
    const int every = cfg.ppo.checkpoint_every;
    auto append = [&](const UpdateLog& l) {
      log << training_log_line(l);
      log.flush();
      if (every > 0 && l.update % every == 0) write_checkpoint(trainer, req);
      if (on_update) on_update(l);
    };
    result.summary = trainer.train(append, stop);
  }
  if (result.summary.interrupted) {
    write_checkpoint(trainer, req);
    return result;
  }
  trainer.save_checkpoint(req.run_dir / "policy.pt");
  fs::remove(req.run_dir / "resume.json");
  trainer.export_actor(req.run_dir);
  trading::check_weights_finite(req.run_dir / "actor.bin");
  nlohmann::json artifacts = nlohmann::json::object();
  for (const char* f : {"actor.bin", "actor.json", "policy.pt", "norm_stats.json", "config.yaml",
                        "dataset.json", "training_log.csv"})
    artifacts[f] = sha256_file_hex(req.run_dir / f);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  nlohmann::json run = run_record(req, ds, splits, result, artifacts, wall);
  write_text(req.run_dir / "run.json", run.dump(2) + "\n");
  result.run_json = run;
  return result;
}

TrainingRunRequest resume_request(const fs::path& run_dir) {
  const fs::path state = run_dir / "resume.json";
  if (!fs::exists(state))
    throw Error(ErrorKind::not_found,
                state.string() + " does not exist: " + run_dir.string() +
                    " is not an interrupted run (finished runs cannot be resumed)");
  const auto j = nlohmann::json::parse(read_text(state), nullptr, false);
  if (j.is_discarded() || !j.contains("run_id") || !j.contains("dataset_dir"))
    throw Error(ErrorKind::invalid_input, state.string() + ": run_id and dataset_dir are required");
  TrainingRunRequest r;
  r.config = parse_experiment_config(read_text(run_dir / "config.yaml"),
                                     (run_dir / "config.yaml").string());
  r.dataset_dir = j["dataset_dir"].get<std::string>();
  r.run_dir = run_dir;
  r.run_id = j["run_id"].get<std::string>();
  r.trained_by = j.value("trained_by", "");
  r.resume = true;
  return r;
}

}  // namespace usdcop::learn
