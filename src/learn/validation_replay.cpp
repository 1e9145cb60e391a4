#include "learn/validation_replay.hpp"

#include "trading/mlp_policy.hpp"

namespace usdcop::learn {

backtest::BacktestResult replay_validation(const ValidationReplay& replay,
                                           const std::filesystem::path& actor_dir) {
  auto policy = trading::MlpPolicy::load(actor_dir);
  return backtest::run_backtest(replay.bars, replay.rows, policy, replay.norm_stats, replay.config);
}

}  // namespace usdcop::learn
