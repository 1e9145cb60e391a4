#pragma once
// The training environment of spec 03: a Gymnasium-like single environment and a vectorized
// form stepping N of them. Pure C++ (no torch): the same code is timed by `usdcop bench train`.
//
// Accounting, per step at row t with previous position p and target position q:
//   pnl    = q · r_t                      (r_t = ln(C_{t+1}/C_t), stored with the row)
//   cost   = cost_bps · 1e-4 · |q − p|    (a reversal is 2 units)
//   equity = equity · exp(pnl − cost)     (log accounting, starts at 1.0)
//   reward = reward_scale · (pnl − cost) − drawdown_penalty · max(0, dd_new − dd_old)
// where dd = 1 − equity / peak equity of the episode.
//
// Position rules: the target goes through trading::PositionRules (min hold, flat at session
// end) exactly as in the backtest and live. With apply_risk_limits the environment instead
// drives a trading::TradingSession (TradingSession::on_target: the same position rules, the risk
// manager of the risk profile and a paper broker, under a fixed NORMAL mode, never the
// operations mode) over prices rebuilt from the log returns (equity ratios do not depend on the
// price level), so trades per day, the loss-streak cooldown, the daily-loss pause, market hours
// and the drawdown kill decide exactly as in the backtest. The reward keeps the log accounting
// above. Both default off: today's behaviour.
#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "core/time.hpp"
#include "trading/broker.hpp"
#include "trading/position_rules.hpp"
#include "trading/signal.hpp"
#include "trading/trading_config.hpp"
#include "trading/trading_session.hpp"

namespace usdcop::learn {

inline constexpr int kMarketFeatures = 13;
inline constexpr int kObservationSize = 15;
inline constexpr int kPositionSlot = 13;
inline constexpr int kTimeSlot = 14;

using Observation = std::array<float, kObservationSize>;

// One split, ready for stepping. Row i holds the normalized market features of bar i, its
// time_normalized and the log return from its close to the next stored bar's close.
struct EnvSeries {
  std::vector<Timestamp> time;
  std::vector<std::array<float, kMarketFeatures>> market;
  std::vector<float> time_normalized;
  std::vector<double> next_log_return;
  std::size_t size() const { return next_log_return.size(); }
};

struct EnvConfig {
  double cost_bps = 1.0;
  double reward_scale = 100.0;
  double drawdown_penalty = 0.0;
  double max_episode_drawdown = 0.15;  // terminate beyond this drawdown (fraction)
  int episode_length = 2400;           // bars
  int min_hold_bars = 0;
  bool flat_at_session_end = false;  // environment.flat_at_session_end
  bool apply_risk_limits = false;    // environment.apply_risk_limits: `risk` reviews targets
  trading::RiskProfile risk;         // config/risk.yaml when apply_risk_limits
  trading::SignalThresholds thresholds;
};

struct StepInfo {
  std::size_t row = 0;   // the row the action was taken at
  int position = 0;      // position held over the next bar (after min-hold blocking)
  bool blocked = false;  // the target was refused by min_hold_bars
  bool vetoed = false;   // the risk manager or a rule changed the target (apply_risk_limits)
  double pnl = 0, cost = 0;
  double equity = 1.0, drawdown = 0;
};

struct StepResult {
  double reward = 0;
  bool terminated = false;  // drawdown limit: the value of the next state is 0
  bool truncated = false;   // length limit or end of data: PPO bootstraps
  StepInfo info;
};

class TradingEnv {
 public:
  TradingEnv(std::shared_ptr<const EnvSeries> series, EnvConfig config);

  // Random start, uniform over the rows that leave a full episode when the split allows.
  Observation reset(std::uint64_t seed);
  Observation reset(std::mt19937_64& rng);
  // Deterministic start at `row`, at most `max_steps` steps (0 = the config's episode length).
  Observation reset_at(std::size_t row, std::size_t max_steps = 0);

  // Takes the action at the current row; `next` receives the observation of the next row (the
  // final observation when the episode ends).
  StepResult step(double action, Observation& next);

  int position() const { return position_; }
  double equity() const { return equity_; }
  std::size_t row() const { return row_; }
  const EnvConfig& config() const { return config_; }
  const EnvSeries& series() const { return *series_; }

 private:
  void observe(Observation& obs) const;

  int ruled_target(double action, StepInfo& info);

  std::shared_ptr<const EnvSeries> series_;
  EnvConfig config_;
  std::size_t row_ = 0, steps_ = 0, max_steps_ = 0;
  int position_ = 0;
  double equity_ = 1.0, peak_ = 1.0;
  trading::PositionRules rules_;
  // With apply_risk_limits: the session that applies rules and risk limits, its broker and the
  // relative price of the current row.
  std::unique_ptr<trading::PaperBroker> broker_;
  std::unique_ptr<trading::TradingSession> session_;
  double price_ = 1.0;
};

// N environments stepped together, auto-resetting a finished one. Observations are one
// contiguous float buffer [N × 15]. Environment i draws its starts from its own generator
// seeded from (seed, i), so a run is reproducible.
class VecTradingEnv {
 public:
  VecTradingEnv(std::shared_ptr<const EnvSeries> series, EnvConfig config, int n_envs,
                std::uint64_t seed);

  int size() const { return static_cast<int>(envs_.size()); }
  std::span<const float> observations() const { return obs_; }
  // After step(): environment i's episode ended; final_observation(i) is its last observation
  // (before the automatic reset) and episode_return(i) the sum of its rewards.
  void step(std::span<const double> actions);
  std::span<const double> rewards() const { return rewards_; }
  bool terminated(int i) const { return terminated_[i] != 0; }
  bool truncated(int i) const { return truncated_[i] != 0; }
  const Observation& final_observation(int i) const { return final_obs_[i]; }
  double episode_return(int i) const { return finished_return_[i]; }

 private:
  std::vector<TradingEnv> envs_;
  std::vector<std::mt19937_64> rngs_;
  std::vector<float> obs_;
  std::vector<double> rewards_, running_return_, finished_return_;
  std::vector<char> terminated_, truncated_;
  std::vector<Observation> final_obs_;
};

}  // namespace usdcop::learn
