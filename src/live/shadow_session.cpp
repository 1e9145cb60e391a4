#include "live/shadow_session.hpp"

#include <chrono>
#include <cmath>
#include <sstream>

namespace usdcop::live {

std::string observation_json(const features::NormStats& stats, const features::FeatureRow& row,
                             double position_before) {
  const int pos = (position_before > 0) - (position_before < 0);
  const auto obs = features::normalize_observation(stats, row.market, pos, row.time_normalized);
  std::ostringstream s;
  s.precision(9);
  s << '[';
  for (std::size_t i = 0; i < obs.size(); ++i) {
    if (i > 0) s << ',';
    if (std::isfinite(obs[i])) {
      s << obs[i];
    } else {
      s << "null";
    }
  }
  s << ']';
  return s.str();
}

ShadowSession::ShadowSession(TradingModel model,
                             std::shared_ptr<const trading::FlaggedBars> flagged)
    : model_(std::move(model)), flagged_(std::move(flagged)) {
  if (!model_.policy) throw std::invalid_argument("ShadowSession: the model has no policy");
  reset();
}

void ShadowSession::reset() {
  session_.reset();  // the old session refers to the old broker: drop it first
  auto fresh = open_paper_session(model_, mode_, flagged_.get());
  broker_ = std::move(fresh.broker);
  session_ = std::move(fresh.session);
}

std::optional<ShadowDecision> ShadowSession::on_bar(const market::Bar& bar,
                                                    const features::FeatureRow* row) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto out = session_->on_bar(bar, row);
  const double latency_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  if (!out.decided || row == nullptr) return std::nullopt;
  return ShadowDecision{model_.model_id,
                        out.action,
                        static_cast<int>(out.signal),
                        observation_json(model_.norm_stats, *row, out.position_before),
                        latency_us,
                        out.position_before,
                        out.position_after};
}

void ShadowSession::replay(const market::Bar& bar, std::optional<int> signal) {
  std::optional<double> target;
  if (signal) target = static_cast<double>(*signal);
  session_->on_target(bar, target);
}

}  // namespace usdcop::live
