#include "learn/trading_env.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/error.hpp"

namespace usdcop::learn {

namespace {
// The environment applies the position rules and risk limits, not the operations mode. The
// session's policy and normalization are never used (on_target takes the decided target).
const trading::FixedOperationsMode kNormalMode{trading::OperationsMode::kNormal};
trading::FlatPolicy g_unused_policy;
const features::NormStats kUnusedStats{};
}  // namespace

TradingEnv::TradingEnv(std::shared_ptr<const EnvSeries> series, EnvConfig config)
    : series_(std::move(series)),
      config_(std::move(config)),
      rules_({config_.min_hold_bars, config_.flat_at_session_end}) {
  if (!series_ || series_->size() < 2)
    throw Error(ErrorKind::invalid_input, "environment: a split needs at least 2 rows");
  if (series_->market.size() != series_->size() ||
      series_->time_normalized.size() != series_->size())
    throw std::logic_error("EnvSeries columns differ in length");
  if (config_.episode_length < 1)
    throw Error(ErrorKind::invalid_input, "environment.episode_length: must be >= 1");
}

Observation TradingEnv::reset(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  return reset(rng);
}

Observation TradingEnv::reset(std::mt19937_64& rng) {
  // The last row only serves as the final observation, so rows 0..n-2 can be stepped.
  const std::size_t steppable = series_->size() - 1;
  const auto length = static_cast<std::size_t>(config_.episode_length);
  const std::size_t last_start = steppable > length ? steppable - length : 0;
  std::uniform_int_distribution<std::size_t> pick(0, last_start);
  return reset_at(pick(rng));
}

Observation TradingEnv::reset_at(std::size_t row, std::size_t max_steps) {
  if (row + 1 >= series_->size()) throw std::out_of_range("reset_at: row beyond the split");
  row_ = row;
  steps_ = 0;
  max_steps_ = max_steps ? max_steps : static_cast<std::size_t>(config_.episode_length);
  position_ = 0;
  equity_ = peak_ = 1.0;
  rules_.reset();
  if (config_.apply_risk_limits) {
    trading::TradingConfig tc;
    tc.thresholds = config_.thresholds;
    tc.cost_bps = config_.cost_bps;
    session_.reset();
    broker_ = std::make_unique<trading::PaperBroker>(tc.initial_capital, tc.cost_bps);
    session_ = std::make_unique<trading::TradingSession>(
        g_unused_policy, kUnusedStats, tc, config_.risk, kNormalMode, *broker_,
        trading::PositionRuleConfig{config_.min_hold_bars, config_.flat_at_session_end});
    price_ = 1.0;
  }
  Observation obs;
  observe(obs);
  return obs;
}

void TradingEnv::observe(Observation& obs) const {
  const auto& m = series_->market[row_];
  std::copy(m.begin(), m.end(), obs.begin());
  obs[kPositionSlot] = static_cast<float>(position_);
  obs[kTimeSlot] = series_->time_normalized[row_];
}

StepResult TradingEnv::step(double action, Observation& next) {
  StepResult out;
  StepInfo& info = out.info;
  info.row = row_;
  const int target = ruled_target(action, info);
  const double r = series_->next_log_return[row_];
  info.pnl = target * r;
  info.cost = config_.cost_bps * 1e-4 * std::abs(target - position_);
  const double dd_before = 1.0 - equity_ / peak_;
  equity_ *= std::exp(info.pnl - info.cost);
  peak_ = std::max(peak_, equity_);
  const double dd_after = 1.0 - equity_ / peak_;
  rules_.on_bar_end(position_, target);
  position_ = target;
  price_ *= std::exp(r);
  info.position = target;
  info.equity = equity_;
  info.drawdown = dd_after;
  out.reward = config_.reward_scale * (info.pnl - info.cost) -
               config_.drawdown_penalty * std::max(0.0, dd_after - dd_before);
  ++row_;
  ++steps_;
  observe(next);
  if (dd_after > config_.max_episode_drawdown) {
    out.terminated = true;
  } else if (steps_ >= max_steps_ || row_ + 1 >= series_->size()) {
    out.truncated = true;
  }
  return out;
}

// The policy's target through the shared position rules or, with apply_risk_limits, through
// the trading session (the same rules, then the risk manager).
int TradingEnv::ruled_target(double action, StepInfo& info) {
  const Timestamp t = series_->time[row_];
  const int wanted =
      trading::target_position(trading::signal_for_action(action, config_.thresholds));
  if (!session_) {
    const trading::RuledTarget ruled = rules_.apply(t, position_, wanted);
    info.blocked = ruled.by == trading::RuleOverride::kMinHold;
    return static_cast<int>(ruled.target);
  }
  const market::Bar bar{t, price_, price_, price_, price_, 0};
  const trading::BarOutcome out = session_->on_target(bar, static_cast<double>(wanted));
  info.blocked = out.rule == trading::RuleOverride::kMinHold;
  info.vetoed = out.position_after != wanted;
  return static_cast<int>(out.position_after);
}

namespace {
// splitmix64: decorrelates the per-environment generators derived from one seed.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

VecTradingEnv::VecTradingEnv(std::shared_ptr<const EnvSeries> series, EnvConfig config, int n_envs,
                             std::uint64_t seed) {
  if (n_envs < 1) throw Error(ErrorKind::invalid_input, "ppo.n_envs: must be >= 1");
  const auto n = static_cast<std::size_t>(n_envs);
  envs_.reserve(n);
  obs_.resize(n * kObservationSize);
  rewards_.assign(n, 0.0);
  running_return_.assign(n, 0.0);
  finished_return_.assign(n, 0.0);
  terminated_.assign(n, 0);
  truncated_.assign(n, 0);
  final_obs_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    envs_.emplace_back(series, config);
    rngs_.emplace_back(mix(seed * 1000003ULL + i));
    const Observation o = envs_[i].reset(rngs_[i]);
    std::copy(o.begin(), o.end(), obs_.begin() + static_cast<std::ptrdiff_t>(i * kObservationSize));
  }
}

void VecTradingEnv::step(std::span<const double> actions) {
  if (actions.size() != envs_.size()) throw std::logic_error("VecTradingEnv: one action per env");
  Observation next;
  for (std::size_t i = 0; i < envs_.size(); ++i) {
    const StepResult r = envs_[i].step(actions[i], next);
    rewards_[i] = r.reward;
    terminated_[i] = r.terminated;
    truncated_[i] = r.truncated;
    running_return_[i] += r.reward;
    if (r.terminated || r.truncated) {
      final_obs_[i] = next;
      finished_return_[i] = running_return_[i];
      running_return_[i] = 0;
      next = envs_[i].reset(rngs_[i]);
    }
    std::copy(next.begin(), next.end(),
              obs_.begin() + static_cast<std::ptrdiff_t>(i * kObservationSize));
  }
}

}  // namespace usdcop::learn
