#include "learn/experiment_config.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "core/calendar.hpp"
#include "core/config.hpp"
#include "core/error.hpp"

namespace usdcop::learn {
namespace {

// core/config instantiates int/double/bool/string; 64-bit counts are read here.
std::int64_t int64_or(const YAML::Node& node, const std::string& key, std::int64_t fallback,
                      const std::string& where) {
  const YAML::Node v = node[key];
  if (!v) return fallback;
  try {
    return v.as<std::int64_t>();
  } catch (const YAML::Exception&) {
    throw Error(ErrorKind::invalid_input, where + "." + key + ": expected an integer");
  }
}

Date date_field(const YAML::Node& node, const std::string& key, const std::string& where) {
  const auto text = require<std::string>(node, key, where);
  std::string what = where;
  what += '.';
  what += key;
  return parse_date_or_throw(text, what);
}

void read_env(const YAML::Node& n, EnvConfig& e, const std::string& w) {
  if (!n) return;
  e.cost_bps = value_or(n, "cost_bps", e.cost_bps, w);
  e.reward_scale = value_or(n, "reward_scale", e.reward_scale, w);
  e.drawdown_penalty = value_or(n, "drawdown_penalty", e.drawdown_penalty, w);
  e.max_episode_drawdown = value_or(n, "max_episode_drawdown", e.max_episode_drawdown, w);
  e.episode_length = value_or(n, "episode_length", e.episode_length, w);
  e.min_hold_bars = value_or(n, "min_hold_bars", e.min_hold_bars, w);
  if (const auto t = n["thresholds"]) {
    e.thresholds.long_above = value_or(t, "long_above", e.thresholds.long_above, w + ".thresholds");
    e.thresholds.short_below =
        value_or(t, "short_below", e.thresholds.short_below, w + ".thresholds");
  }
  if (e.cost_bps < 0) throw Error(ErrorKind::invalid_input, w + ".cost_bps: must be >= 0");
  if (e.episode_length < 1)
    throw Error(ErrorKind::invalid_input, w + ".episode_length: must be >= 1");
  if (e.min_hold_bars < 0)
    throw Error(ErrorKind::invalid_input, w + ".min_hold_bars: must be >= 0");
  if (!(e.max_episode_drawdown > 0))
    throw Error(ErrorKind::invalid_input, w + ".max_episode_drawdown: must be > 0");
}

void read_ppo(const YAML::Node& n, PpoConfig& p, const std::string& w) {
  if (!n) return;
  p.learning_rate = value_or(n, "learning_rate", p.learning_rate, w);
  p.n_envs = value_or(n, "n_envs", p.n_envs, w);
  p.n_steps = value_or(n, "n_steps", p.n_steps, w);
  p.batch_size = value_or(n, "batch_size", p.batch_size, w);
  p.n_epochs = value_or(n, "n_epochs", p.n_epochs, w);
  p.gamma = value_or(n, "gamma", p.gamma, w);
  p.gae_lambda = value_or(n, "gae_lambda", p.gae_lambda, w);
  p.clip_range = value_or(n, "clip_range", p.clip_range, w);
  p.ent_coef = value_or(n, "ent_coef", p.ent_coef, w);
  p.vf_coef = value_or(n, "vf_coef", p.vf_coef, w);
  p.max_grad_norm = value_or(n, "max_grad_norm", p.max_grad_norm, w);
  p.log_std_init = value_or(n, "log_std_init", p.log_std_init, w);
  p.total_timesteps = int64_or(n, "total_timesteps", p.total_timesteps, w);
  p.eval_every = int64_or(n, "eval_every", p.eval_every, w);
  p.threads = value_or(n, "threads", p.threads, w);
  if (n["backend"]) {
    const auto name = value_or(n, "backend", std::string(), w);
    if (name == "native")
      p.backend = PpoBackendKind::native;
    else if (name == "libtorch")
      p.backend = PpoBackendKind::libtorch;
    else
      throw Error(ErrorKind::invalid_input,
                  w + ".backend: '" + name + "' is not one of native, libtorch");
  }
  if (n["hidden_sizes"]) p.hidden_sizes = n["hidden_sizes"].as<std::vector<int>>();
  if (p.n_envs < 1 || p.n_steps < 1 || p.batch_size < 1 || p.n_epochs < 1)
    throw Error(ErrorKind::invalid_input,
                w + ": n_envs, n_steps, batch_size and n_epochs must be >= 1");
  if (p.rollout_size() % p.batch_size != 0)
    throw Error(ErrorKind::invalid_input, w + ".batch_size: must divide n_envs × n_steps");
  if (p.hidden_sizes.empty()) throw Error(ErrorKind::invalid_input, w + ".hidden_sizes: empty");
  if (p.total_timesteps < 1)
    throw Error(ErrorKind::invalid_input, w + ".total_timesteps: must be >= 1");
}

}  // namespace

const SplitSpec* ExperimentConfig::find(const std::string& name) const {
  for (const auto& s : splits)
    if (s.name == name) return &s;
  return nullptr;
}

int sessions_between(Date after, Date before) {
  int n = 0;
  for (Date d = after + std::chrono::days(1); d < before; d += std::chrono::days(1))
    if (is_trading_day(d)) ++n;
  return n;
}

ExperimentConfig parse_experiment_config(const std::string& yaml_text, const std::string& where) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::invalid_input, where + ": not valid YAML (" + e.what() + ")");
  }
  ExperimentConfig c;
  c.yaml_text = yaml_text;
  try {
    c.experiment = require<std::string>(root, "experiment", where);
    c.seed = static_cast<std::uint64_t>(
        int64_or(root, "seed", static_cast<std::int64_t>(c.seed), where));
    const YAML::Node ds = root["dataset"];
    if (!ds || !ds["splits"] || !ds["splits"].IsSequence() || ds["splits"].size() < 1)
      throw Error(ErrorKind::invalid_input,
                  where + ": dataset.splits: a list of {name, start, end} is required");
    c.embargo_sessions = value_or(ds, "embargo_sessions", c.embargo_sessions, where + ".dataset");
    if (c.embargo_sessions < 1)
      throw Error(ErrorKind::invalid_input, where + ": dataset.embargo_sessions: must be >= 1");
    for (std::size_t i = 0; i < ds["splits"].size(); ++i) {
      const std::string w = where + ": dataset.splits[" + std::to_string(i) + "]";
      const YAML::Node s = ds["splits"][i];
      SplitSpec spec{require<std::string>(s, "name", w), date_field(s, "start", w),
                     date_field(s, "end", w)};
      if (spec.end < spec.start) throw Error(ErrorKind::invalid_input, w + ": end is before start");
      if (c.find(spec.name))
        throw Error(ErrorKind::invalid_input, w + ": duplicate split name " + spec.name);
      c.splits.push_back(spec);
    }
    read_env(root["environment"], c.env, where + ": environment");
    read_ppo(root["ppo"], c.ppo, where + ": ppo");
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::invalid_input, where + ": " + e.what());
  }
  // Embargo: consecutive splits are separated by at least embargo_sessions full sessions.
  for (std::size_t i = 1; i < c.splits.size(); ++i) {
    const auto& a = c.splits[i - 1];
    const auto& b = c.splits[i];
    const int gap = b.start > a.end ? sessions_between(a.end, b.start) : -1;
    if (gap < c.embargo_sessions) {
      std::string msg = where;
      msg += ": splits '" + a.name + "' (ends " + format_date(a.end) + ") and '" + b.name +
             "' (starts " + format_date(b.start) + ") ";
      msg += gap < 0 ? std::string("overlap or are out of order")
                     : "are separated by " + std::to_string(gap) +
                           " trading session(s); the embargo needs " +
                           std::to_string(c.embargo_sessions);
      throw Error(ErrorKind::invalid_input, msg);
    }
  }
  return c;
}

ExperimentConfig load_experiment_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(ErrorKind::not_found, "--config: " + file.string() + " does not exist");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_experiment_config(text.str(), file.string());
}

std::string resolved_yaml(const ExperimentConfig& c) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "experiment" << YAML::Value << c.experiment;
  out << YAML::Key << "seed" << YAML::Value << c.seed;
  out << YAML::Key << "dataset" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "embargo_sessions" << YAML::Value << c.embargo_sessions;
  out << YAML::Key << "splits" << YAML::Value << YAML::BeginSeq;
  for (const auto& s : c.splits)
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << s.name << YAML::Key
        << "start" << YAML::Value << format_date(s.start) << YAML::Key << "end" << YAML::Value
        << format_date(s.end) << YAML::EndMap;
  out << YAML::EndSeq << YAML::EndMap;
  const auto& e = c.env;
  out << YAML::Key << "environment" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "cost_bps" << YAML::Value << e.cost_bps;
  out << YAML::Key << "reward_scale" << YAML::Value << e.reward_scale;
  out << YAML::Key << "drawdown_penalty" << YAML::Value << e.drawdown_penalty;
  out << YAML::Key << "max_episode_drawdown" << YAML::Value << e.max_episode_drawdown;
  out << YAML::Key << "episode_length" << YAML::Value << e.episode_length;
  out << YAML::Key << "min_hold_bars" << YAML::Value << e.min_hold_bars;
  out << YAML::Key << "thresholds" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key
      << "long_above" << YAML::Value << e.thresholds.long_above << YAML::Key << "short_below"
      << YAML::Value << e.thresholds.short_below << YAML::EndMap;
  out << YAML::EndMap;
  const auto& p = c.ppo;
  out << YAML::Key << "ppo" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "backend" << YAML::Value << to_string(p.backend);
  out << YAML::Key << "learning_rate" << YAML::Value << p.learning_rate;
  out << YAML::Key << "n_envs" << YAML::Value << p.n_envs;
  out << YAML::Key << "n_steps" << YAML::Value << p.n_steps;
  out << YAML::Key << "batch_size" << YAML::Value << p.batch_size;
  out << YAML::Key << "n_epochs" << YAML::Value << p.n_epochs;
  out << YAML::Key << "gamma" << YAML::Value << p.gamma;
  out << YAML::Key << "gae_lambda" << YAML::Value << p.gae_lambda;
  out << YAML::Key << "clip_range" << YAML::Value << p.clip_range;
  out << YAML::Key << "ent_coef" << YAML::Value << p.ent_coef;
  out << YAML::Key << "vf_coef" << YAML::Value << p.vf_coef;
  out << YAML::Key << "max_grad_norm" << YAML::Value << p.max_grad_norm;
  out << YAML::Key << "log_std_init" << YAML::Value << p.log_std_init;
  out << YAML::Key << "total_timesteps" << YAML::Value << p.total_timesteps;
  out << YAML::Key << "eval_every" << YAML::Value << p.eval_every;
  out << YAML::Key << "hidden_sizes" << YAML::Value << YAML::Flow << p.hidden_sizes;
  out << YAML::Key << "threads" << YAML::Value << p.threads;
  out << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace usdcop::learn
