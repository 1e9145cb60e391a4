#include "server/production_predictor.hpp"

#include <chrono>
#include <cmath>

#include "app/model_source.hpp"
#include "core/error.hpp"
#include "features/norm_stats.hpp"
#include "server/state_cache.hpp"
#include "store/pg_model_registry.hpp"
#include "store/pg_policies.hpp"

namespace usdcop::server {

std::shared_ptr<ProductionPredictor::Loaded> ProductionPredictor::loaded(
    const std::string& model_id, const std::string& model_hash, const std::string& artifact_uri) {
  const std::string key = model_id + "@" + model_hash;
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  }
  std::string dir = artifact_uri;
  if (dir.rfind("file://", 0) == 0) dir = dir.substr(7);
  auto l = std::make_shared<Loaded>();
  l->bundle = trading::load_policy_bundle(dir);  // verifies every artifact hash
  if (l->bundle.run.model_hash != model_hash)
    throw Error(ErrorKind::integrity, "actor.bin of " + model_id + " hashes to " +
                                          l->bundle.run.model_hash + ", not the registered " +
                                          model_hash);
  // The thresholds the model was trained with over the trading profile in force: the same
  // mapping the backtest uses. An unreadable config.yaml of a registered model is damage.
  try {
    l->thresholds =
        app::trained_thresholds(l->bundle.run, store::active_trading_config(pool_).thresholds);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::invalid_input) throw;
    throw Error(ErrorKind::integrity, e.what());
  }
  std::lock_guard lock(mutex_);
  return cache_.try_emplace(key, l).first->second;
}

void ProductionPredictor::forget_loaded() {
  std::lock_guard lock(mutex_);
  cache_.clear();  // requests holding a model keep their shared_ptr until they finish
}

models::ModelRecord ProductionPredictor::deployed_model() {
  if (state_ != nullptr)
    if (auto cached = state_->deployed()) return std::move(*cached);
  const uint64_t generation = state_ != nullptr ? state_->generation() : 0;
  auto deployed = store::PgModelRegistry(pool_).deployed();
  if (!deployed) throw Error(ErrorKind::not_found, "no production model is deployed", "model_id");
  if (state_ != nullptr) state_->store_deployed(*deployed, generation);
  return std::move(*deployed);
}

Prediction ProductionPredictor::predict(
    const std::string& model, const std::array<double, features::kObservationSize>& observation) {
  const auto start = std::chrono::steady_clock::now();
  const double position = observation[features::kPositionIndex];
  if (position != -1.0 && position != 0.0 && position != 1.0)
    throw Error(ErrorKind::invalid_input, "features[13]: the position must be -1, 0 or 1",
                "features[13]");
  const models::ModelRecord m = model == "production" || model == "ppo_primary"
                                    ? deployed_model()
                                    : store::PgModelRegistry(pool_).get(model);
  const auto l = loaded(m.model_id, m.model_hash, m.artifact_uri);
  std::array<double, features::kMarketFeatureCount> market{};
  std::copy_n(observation.begin(), market.size(), market.begin());
  const auto obs = features::normalize_observation(
      l->bundle.norm_stats, market, static_cast<int>(position), observation[features::kTimeIndex]);
  double action = 0;
  {
    std::lock_guard lock(l->mutex);
    action = l->bundle.policy->act(obs);
  }
  Prediction p;
  p.model_id = m.model_id;
  p.action = std::isfinite(action) ? std::clamp(action, -1.0, 1.0) : 0.0;
  p.signal = trading::signal_for_action(action, l->thresholds);
  p.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return p;
}

}  // namespace usdcop::server
