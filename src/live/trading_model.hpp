#pragma once
// A model the engine runs, as the registry verified it, with the profiles in force.
#include <memory>
#include <string>

#include "features/norm_stats.hpp"
#include "trading/policy.hpp"
#include "trading/position_rules.hpp"
#include "trading/trading_config.hpp"

namespace usdcop::live {

struct TradingModel {
  std::string model_id;
  std::shared_ptr<trading::Policy> policy;
  features::NormStats norm_stats;
  trading::TradingConfig trading;
  trading::RiskProfile risk;
  trading::PositionRuleConfig rules;
};

}  // namespace usdcop::live
