#pragma once
// A staging model in shadow (spec 12, "Shadow models"): its own trading::TradingSession with
// its own virtual position and the same risk rules, fed the same bars and feature rows as the
// production session; it places no order. Its decisions are recorded in
// trading.model_inferences (role 'shadow') by the L5 transaction of the bar, and after a
// restart the session is rebuilt from them.
#include <memory>
#include <optional>
#include <string>

#include "features/feature_row.hpp"
#include "features/norm_stats.hpp"
#include "live/trading_model.hpp"
#include "market/bar.hpp"
#include "trading/trading_session.hpp"

namespace usdcop::live {

struct ShadowDecision {
  std::string model_id;
  double action = 0;
  int signal = 0;
  std::string observation_json;
  double latency_us = 0;
  double position_before = 0, position_after = 0;
};

// The normalized observation the policy saw (15 values as JSON; null for a NaN).
std::string observation_json(const features::NormStats& stats, const features::FeatureRow& row,
                             double position_before);

class ShadowSession {
 public:
  // `flagged`: the price collar's bars (spec 12), shared with the production session.
  explicit ShadowSession(TradingModel model,
                         std::shared_ptr<const trading::FlaggedBars> flagged = nullptr);
  // The session refers to members (stats, mode): the object stays where it was made.
  ShadowSession(const ShadowSession&) = delete;
  ShadowSession& operator=(const ShadowSession&) = delete;

  void reset();
  // The bar at its close; nullopt when the row gives no decision.
  std::optional<ShadowDecision> on_bar(const market::Bar& bar, const features::FeatureRow* row);
  // Rebuild: the stored signal of the bar (nullopt: no decision).
  void replay(const market::Bar& bar, std::optional<int> signal);

  const TradingModel& model() const { return model_; }
  double position() const { return session_->position(); }

 private:
  TradingModel model_;
  std::shared_ptr<const trading::FlaggedBars> flagged_;
  trading::FixedOperationsMode mode_;  // shadows trade as if NORMAL: no orders anyway
  std::unique_ptr<trading::PaperBroker> broker_;
  std::unique_ptr<trading::TradingSession> session_;
};

}  // namespace usdcop::live
