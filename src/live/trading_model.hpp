#pragma once
// A model the engine runs, as the registry verified it, with the profiles in force.
#include <memory>
#include <string>

#include "features/norm_stats.hpp"
#include "trading/broker.hpp"
#include "trading/policy.hpp"
#include "trading/position_rules.hpp"
#include "trading/trading_config.hpp"
#include "trading/trading_session.hpp"

namespace usdcop::live {

struct TradingModel {
  std::string model_id;
  std::shared_ptr<trading::Policy> policy;
  features::NormStats norm_stats;
  trading::TradingConfig trading;
  trading::RiskProfile risk;
  trading::PositionRuleConfig rules;
};

// A fresh paper account for `model`: its broker, then the TradingSession over it. The one
// construction of the production decision stage and of every shadow, so both trade alike.
struct PaperSession {
  std::unique_ptr<trading::PaperBroker> broker;
  std::unique_ptr<trading::TradingSession> session;
};
// `flagged`: the bars the price collar refuses entries on (spec 12), owned by the caller.
inline PaperSession open_paper_session(const TradingModel& model,
                                       const trading::OperationsModeView& mode,
                                       const trading::FlaggedBars* flagged = nullptr) {
  PaperSession s;
  s.broker =
      std::make_unique<trading::PaperBroker>(model.trading.initial_capital, model.trading.cost_bps);
  s.session = std::make_unique<trading::TradingSession>(
      *model.policy, model.norm_stats, model.trading, model.risk, mode, *s.broker, model.rules);
  s.session->use_price_collar(flagged);
  return s;
}

}  // namespace usdcop::live
