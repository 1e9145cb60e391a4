#include "learn/trading_env.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/error.hpp"

namespace usdcop::learn {

namespace {
// The environment applies the position rules, not the operations mode.
const trading::FixedOperationsMode kNormalMode{trading::OperationsMode::kNormal};
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
  trade_log_return_ = 0;
  if (config_.apply_risk_limits)
    risk_ = std::make_unique<trading::RiskManager>(config_.risk, kNormalMode);
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
  if (risk_) book_trade(target, info.cost);
  const double dd_before = 1.0 - equity_ / peak_;
  if (risk_) risk_->on_bar_close(series_->time[row_], equity_ * std::exp(-info.cost));
  equity_ *= std::exp(info.pnl - info.cost);
  peak_ = std::max(peak_, equity_);
  const double dd_after = 1.0 - equity_ / peak_;
  rules_.on_bar_end(position_, target);
  position_ = target;
  if (risk_) trade_log_return_ += info.pnl;
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

// The policy's target through the shared position rules and, with apply_risk_limits, the
// risk manager (its equity is the environment's, marked at this row's close).
int TradingEnv::ruled_target(double action, StepInfo& info) {
  const Timestamp t = series_->time[row_];
  const int wanted =
      trading::target_position(trading::signal_for_action(action, config_.thresholds));
  const trading::RuledTarget ruled = rules_.apply(t, position_, wanted);
  info.blocked = ruled.by == trading::RuleOverride::kMinHold;
  if (!risk_) return static_cast<int>(ruled.target);
  const trading::RiskDecision d = risk_->review(t, equity_, position_, ruled.target);
  risk_->take_events();
  info.vetoed = d.vetoed;
  return static_cast<int>(d.position);
}

// Trades for the loss-streak rule: a trade's result is the sum of its log P&L and costs (a
// reversal's cost split in half between the closed and the opened trade).
void TradingEnv::book_trade(int target, double cost) {
  if (target == position_) return;
  const bool reversal = position_ != 0 && target != 0;
  const double close_cost = position_ == 0 ? 0 : (reversal ? cost / 2 : cost);
  if (position_ != 0) {
    trading::Trade closed;
    closed.side = position_;
    closed.net_pnl = trade_log_return_ - close_cost;
    risk_->on_trade_closed(closed, series_->time[row_]);
    risk_->take_events();
  }
  trade_log_return_ = target != 0 ? -(cost - close_cost) : 0.0;
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
