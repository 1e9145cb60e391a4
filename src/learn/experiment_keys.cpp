#include "learn/experiment_keys.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>

#include "learn/experiment_config.hpp"

namespace usdcop::learn {
namespace {

#define USDCOP_FIELD(member) [](ExperimentConfig& c) -> ExperimentField { return &c.member; }

constexpr double kMaxCount = 1e12;  // step budgets
constexpr double kMaxSeed = 9.2e18;

const std::array kKeys{
    ExperimentKey{"seed", KeyType::integer, "42", 0, kMaxSeed, false, "", USDCOP_FIELD(seed),
                  "seed of torch, environment starts, action noise, minibatch order"},
    ExperimentKey{"dataset.embargo_sessions", KeyType::integer, "1", 1, 250, false, "",
                  USDCOP_FIELD(embargo_sessions),
                  "full trading sessions required between consecutive splits"},
    ExperimentKey{"environment.cost_bps", KeyType::real, "1.0", 0, 1000, false, "",
                  USDCOP_FIELD(env.cost_bps), "cost per unit of position change, basis points"},
    ExperimentKey{"environment.reward_scale", KeyType::real, "100", 0, 1e6, true, "",
                  USDCOP_FIELD(env.reward_scale), "reward multiplier"},
    ExperimentKey{"environment.drawdown_penalty", KeyType::real, "0", 0, 1e6, false, "",
                  USDCOP_FIELD(env.drawdown_penalty), "times the increase in episode drawdown"},
    ExperimentKey{"environment.max_episode_drawdown", KeyType::real, "0.15", 0, 1, true, "",
                  USDCOP_FIELD(env.max_episode_drawdown),
                  "episode terminates beyond this drawdown (fraction)"},
    ExperimentKey{"environment.episode_length", KeyType::integer, "2400", 1, 1e7, false, "",
                  USDCOP_FIELD(env.episode_length), "bars per episode"},
    ExperimentKey{"environment.min_hold_bars", KeyType::integer, "0", 0, 10000, false, "",
                  USDCOP_FIELD(env.min_hold_bars),
                  "bars a position is held before it may be closed or reversed"},
    ExperimentKey{"environment.apply_risk_limits", KeyType::boolean, "false", 0, 0, false, "",
                  USDCOP_FIELD(env.apply_risk_limits),
                  "the risk manager's limits apply during training (issue 10)"},
    ExperimentKey{"environment.flat_at_session_end", KeyType::boolean, "false", 0, 0, false, "",
                  USDCOP_FIELD(env.flat_at_session_end),
                  "positions are closed at the session's last bar (issue 10)"},
    ExperimentKey{"environment.thresholds.long_above", KeyType::real, "0.33", -1, 1, false, "",
                  USDCOP_FIELD(env.thresholds.long_above), "action above this: LONG"},
    ExperimentKey{"environment.thresholds.short_below", KeyType::real, "-0.33", -1, 1, false, "",
                  USDCOP_FIELD(env.thresholds.short_below), "action below this: SHORT"},
    ExperimentKey{"ppo.backend", KeyType::choice, "native", 0, 0, false, "native|libtorch",
                  USDCOP_FIELD(ppo.backend), "tensor backend of PPO (issue 14)"},
    ExperimentKey{"ppo.learning_rate", KeyType::real, "3.0e-4", 0, 1, true, "",
                  USDCOP_FIELD(ppo.learning_rate), "Adam learning rate (constant)"},
    ExperimentKey{"ppo.n_envs", KeyType::integer, "8", 1, 1024, false, "", USDCOP_FIELD(ppo.n_envs),
                  "parallel environments"},
    ExperimentKey{"ppo.n_steps", KeyType::integer, "512", 1, 1e6, false, "",
                  USDCOP_FIELD(ppo.n_steps), "steps per environment and rollout"},
    ExperimentKey{"ppo.batch_size", KeyType::integer, "128", 1, 1e7, false, "",
                  USDCOP_FIELD(ppo.batch_size), "minibatch rows; must divide n_envs x n_steps"},
    ExperimentKey{"ppo.n_epochs", KeyType::integer, "10", 1, 1000, false, "",
                  USDCOP_FIELD(ppo.n_epochs), "passes over each rollout"},
    ExperimentKey{"ppo.gamma", KeyType::real, "0.98", 0, 1, false, "", USDCOP_FIELD(ppo.gamma),
                  "discount"},
    ExperimentKey{"ppo.gae_lambda", KeyType::real, "0.95", 0, 1, false, "",
                  USDCOP_FIELD(ppo.gae_lambda), "GAE lambda"},
    ExperimentKey{"ppo.clip_range", KeyType::real, "0.2", 0, 10, true, "",
                  USDCOP_FIELD(ppo.clip_range), "PPO ratio clip"},
    ExperimentKey{"ppo.ent_coef", KeyType::real, "0.01", 0, 10, false, "",
                  USDCOP_FIELD(ppo.ent_coef), "entropy bonus weight"},
    ExperimentKey{"ppo.vf_coef", KeyType::real, "0.5", 0, 100, false, "", USDCOP_FIELD(ppo.vf_coef),
                  "value loss weight"},
    ExperimentKey{"ppo.max_grad_norm", KeyType::real, "0.5", 0, 1e6, true, "",
                  USDCOP_FIELD(ppo.max_grad_norm), "global gradient-norm clip"},
    ExperimentKey{"ppo.log_std_init", KeyType::real, "0.0", -20, 2, false, "",
                  USDCOP_FIELD(ppo.log_std_init), "initial log standard deviation of actions"},
    ExperimentKey{"ppo.total_timesteps", KeyType::integer, "2000000", 1, kMaxCount, false, "",
                  USDCOP_FIELD(ppo.total_timesteps), "environment steps"},
    ExperimentKey{"ppo.eval_every", KeyType::integer, "50000", 0, kMaxCount, false, "",
                  USDCOP_FIELD(ppo.eval_every),
                  "steps between validation evaluations (0: only at the end)"},
    ExperimentKey{"ppo.checkpoint_every", KeyType::integer, "10", 0, 1e6, false, "",
                  USDCOP_FIELD(ppo.checkpoint_every),
                  "updates between periodic checkpoints (0: only at an interrupt)"},
    ExperimentKey{"ppo.hidden_sizes", KeyType::int_list, "[256, 256]", 1, 4096, false, "",
                  USDCOP_FIELD(ppo.hidden_sizes), "hidden layer widths (1 to 8 layers)"},
    ExperimentKey{"ppo.threads", KeyType::integer, "0", 0, 1024, false, "",
                  USDCOP_FIELD(ppo.threads), "tensor threads; 0 = all cores"},
};

#undef USDCOP_FIELD

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::span<const ExperimentKey> experiment_keys() {
  return kKeys;
}

std::string describe_range(const ExperimentKey& key) {
  switch (key.type) {
    case KeyType::boolean:
      return "true or false";
    case KeyType::choice:
      return "one of " + std::string(key.choices);
    case KeyType::int_list:
      return "a list of 1 to 8 integers in [" + number_text(key.min) + ", " + number_text(key.max) +
             "]";
    case KeyType::integer:
    case KeyType::real:
      break;
  }
  return std::string(key.type == KeyType::integer ? "an integer" : "a finite number") + " in " +
         (key.min_open ? "(" : "[") + number_text(key.min) + ", " + number_text(key.max) + "]";
}

std::string closest_key(std::string_view path) {
  std::vector<std::string_view> names{"experiment", "dataset.splits"};
  for (const auto& k : kKeys) names.push_back(k.path);
  std::string_view best = names.front();
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (std::string_view name : names) {
    const std::size_t d = edit_distance(path, name);
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  return std::string(best);
}

}  // namespace usdcop::learn
