#include "app/training.hpp"

#include <unistd.h>

#include <fstream>

#include "app/services.hpp"
#include "core/error.hpp"
#include "store/pg_experiment_run_store.hpp"
#include "store/pg_feature_store.hpp"
#include "trading/run_artifacts.hpp"
#include "trading/trading_config.hpp"

namespace usdcop::app {
namespace {

namespace fs = std::filesystem;

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

// Writes the dataset under a temporary name, then moves it in place unless the same dataset
// (same hash) is already there.
fs::path write_dataset_dir(learn::Dataset& ds, const DatasetRequest& r) {
  const fs::path tmp = (r.out.empty() ? r.root : r.out.parent_path()) /
                       (".dataset-tmp-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  learn::write_dataset(ds, tmp);
  fs::path dir = r.out;
  if (dir.empty()) dir = r.root / (r.config.experiment + "-" + ds.dataset_hash.substr(0, 12));
  if (fs::exists(dir / "dataset.json") &&
      read_json(dir / "dataset.json").value("dataset_hash", "") == ds.dataset_hash) {
    fs::remove_all(tmp);  // the same dataset is already there
  } else {
    fs::remove_all(dir);
    if (!dir.parent_path().empty()) fs::create_directories(dir.parent_path());
    fs::rename(tmp, dir);
  }
  return dir;
}

// The validation split replayed by the backtest (checkpoint selection): its COT days' stored
// bars and feature rows, with the configuration `usdcop backtest --period validation` uses for
// the exported model (config/trading.yaml with the run's thresholds, config/risk.yaml, the
// run's position rules).
std::optional<learn::ValidationReplay> validation_replay(Services& services,
                                                         const learn::ExperimentConfig& cfg) {
  if (cfg.splits.size() < 2) return std::nullopt;
  const auto& val = cfg.splits[1];
  const Timestamp from = cot_midnight(val.start);
  const Timestamp to = cot_midnight(val.end + std::chrono::days(1));
  learn::ValidationReplay r;
  r.bars = services.bars().load_bars(from, to);
  r.rows = services.feature_rows().load(from, to);
  r.config.trading = trading::load_trading_config();
  r.config.trading.thresholds = cfg.env.thresholds;
  r.config.risk = trading::load_risk_profile();
  r.config.rules = {cfg.env.min_hold_bars, cfg.env.flat_at_session_end};
  if (r.bars.empty()) return std::nullopt;
  return r;
}

// The learn request of a new run (or of the resumed one), with the overrides applied.
learn::TrainingRunRequest run_request(Services& services, const TrainRequest& t,
                                      std::int64_t& start_steps) {
  learn::TrainingRunRequest req;
  if (!t.resume_dir.empty()) {
    req = learn::resume_request(t.resume_dir);
    start_steps = read_json(t.resume_dir / "resume.json").value("steps", std::int64_t{0});
  } else {
    if (t.config_file.empty())
      throw Error(ErrorKind::invalid_input, "an experiment file or a run to resume is required",
                  "config");
    req.config = learn::load_experiment_config(t.config_file);
    if (t.seed) req.config.seed = *t.seed;
    req.run_id = learn::new_run_id(req.config.seed);
    // Two runs started in the same minute with the same seed get distinct ids.
    for (int n = 2; services.experiment_runs().find(req.run_id); ++n)
      req.run_id = learn::new_run_id(req.config.seed) + "_" + std::to_string(n);
    req.run_dir = t.out.empty() ? fs::path("runs") / req.run_id : t.out;
    if (fs::exists(req.run_dir) && !fs::is_empty(req.run_dir))
      throw Error(ErrorKind::conflict, req.run_dir.string() + " is not empty", "out");
  }
  // A resumed run keeps the trainer it started with.
  if (req.trained_by.empty() && t.caller) req.trained_by = t.caller->identity.principal;
  if (t.timesteps) req.config.ppo.total_timesteps = *t.timesteps;
  if (t.threads) req.config.ppo.threads = *t.threads;
  req.validation_replay = validation_replay(services, req.config);
  return req;
}

// The dataset the run trains on (given, or built into the run directory) and its parent run.
std::optional<std::string> attach_dataset(Services& services, const TrainRequest& t,
                                          learn::TrainingRunRequest& req) {
  std::optional<std::string> parent;
  if (!t.dataset_dir.empty()) {
    req.dataset_dir = fs::absolute(t.dataset_dir);
  } else if (!req.resume) {
    const BuiltDataset b = build_dataset(services, {req.config, req.run_dir / "dataset", ""});
    req.dataset_dir = b.dir;
    parent = b.run_id;
  }
  return parent;
}

learn::ExperimentRunRecord training_record(const learn::TrainingRunRequest& req,
                                           const nlohmann::json& info,
                                           const std::optional<std::string>& parent) {
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
  rec.dataset_hash = info.value("dataset_hash", "");
  rec.norm_stats_hash = info.value("norm_stats_hash", "");
  rec.feature_order_hash = info.value("feature_order_hash", "");
  rec.builder_version = info.value("builder_version", "");
  rec.seed = static_cast<std::int64_t>(req.config.seed);
  return rec;
}

// Runs PPO and verifies the run directory exactly as its readers (backtest, registry, live)
// check it (hashes, finite weights); a failure is recorded before it propagates.
TrainOutcome run_and_verify(const learn::TrainingRunRequest& req, const std::atomic<bool>* stop,
                            store::PgExperimentRunStore& runs, learn::ExperimentRunRecord& rec,
                            TrainingObserver& observer) {
  TrainOutcome out;
  out.run_dir = req.run_dir;
  try {
    out.result = learn::run_training(
        req, [&](const learn::UpdateLog& l) { observer.update(l); }, stop);
    out.interrupted = out.result.summary.interrupted;
    if (!out.interrupted) out.model_hash = trading::verify_run_directory(req.run_dir).model_hash;
  } catch (...) {
    observer.training_ended(true);
    rec.status = "failed";
    rec.finished = true;
    runs.record(rec);
    throw;
  }
  observer.training_ended(false);
  return out;
}

}  // namespace

BuiltDataset build_dataset(Services& services, const DatasetRequest& request) {
  const auto& cfg = request.config;
  const Timestamp from = cot_midnight(cfg.splits.front().start);
  const Timestamp to = cot_midnight(cfg.splits.back().end + std::chrono::days(1));
  const auto rows = services.feature_rows().load(from, to);
  // The return of the last row needs the next stored bar, possibly after the split's end.
  const auto bars = services.bars().load_bars(from, to + std::chrono::days(10));
  learn::Dataset ds = learn::assemble_dataset(cfg, rows, bars);
  const fs::path dir = write_dataset_dir(ds, request);
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
  services.experiment_runs().record(rec);
  return built;
}

TrainOutcome train(Services& services, const TrainRequest& t, TrainingObserver& observer) {
  if (t.caller) require_role(services, t.caller->identity, models::Role::operator_, "train");
  auto& runs = services.experiment_runs();
  for (const auto& id : runs.mark_stale_runs_interrupted()) observer.stale_run_marked(id);
  std::int64_t start_steps = 0;
  learn::TrainingRunRequest req = run_request(services, t, start_steps);
  std::optional<std::string> parent = attach_dataset(services, t, req);
  const auto info = read_json(req.dataset_dir / "dataset.json");
  const std::string ds_hash = info.value("dataset_hash", "");
  if (!parent) {
    const std::string id = "dataset_" + req.config.experiment + "_" + ds_hash.substr(0, 12);
    if (runs.find(id)) parent = id;
  }
  learn::ExperimentRunRecord rec = training_record(req, info, parent);
  // The liveness lock is taken before the row says `running`, so a running row without it
  // always belongs to a dead process.
  store::TrainingLiveness alive(services.pool(), req.run_id);
  runs.record(rec);
  observer.training_started(req.config.ppo.total_timesteps, start_steps);
  TrainOutcome out = run_and_verify(req, t.stop, runs, rec, observer);
  const auto& s = out.result.summary;
  rec.finished = true;
  rec.metrics = {{"steps", s.steps},
                 {"wall_s", s.wall_s},
                 {"steps_per_s", s.steps_per_s},
                 {"best_validation_sharpe",
                  s.best_val_sharpe ? nlohmann::json(*s.best_val_sharpe) : nlohmann::json()}};
  rec.status = out.interrupted ? "interrupted" : "completed";
  if (!out.interrupted) rec.metrics["model_hash"] = out.model_hash;
  runs.record(rec);
  return out;
}

}  // namespace usdcop::app
