#pragma once
// POST /predict (spec 07): the production model (or a registered one) evaluated on one
// observation. A model is loaded from its registered run directory only after every artifact
// hash verifies and actor.bin hashes to the registered model_hash (trading::
// load_policy_bundle, as the backtest and live engine load it); loaded models are kept by
// (model_id, model_hash), so a promotion or rollback is picked up on the next request.
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "features/contract.hpp"
#include "models/model.hpp"
#include "store/connection_pool.hpp"
#include "trading/run_artifacts.hpp"
#include "trading/signal.hpp"

namespace usdcop::server {

class StateCache;

struct Prediction {
  std::string model_id;
  double action = 0;  // in [-1, 1]
  trading::Signal signal = trading::Signal::kHold;
  double latency_ms = 0;
};

class ProductionPredictor {
 public:
  // With `state`, the deployed model comes from its cache (refreshed by model_changed).
  explicit ProductionPredictor(store::ConnectionPool& pool, StateCache* state = nullptr)
      : pool_(pool), state_(state) {}

  // `model` is a model_id, "production" or "ppo_primary" (the deployed model). `observation`
  // holds the 13 raw market features, the position (-1, 0, 1) and time_normalized; the
  // market slots are normalized with the model's norm_stats. Errors: not_found (no such model,
  // no production model), integrity (artifacts do not verify), invalid_input (position).
  Prediction predict(const std::string& model,
                     const std::array<double, features::kObservationSize>& observation);

  // Drops every loaded model (POST /models/reload): the next request loads and verifies again.
  void forget_loaded();

 private:
  struct Loaded {
    trading::PolicyBundle bundle;
    trading::SignalThresholds thresholds;
    std::mutex mutex;  // MlpPolicy::act uses scratch buffers
  };
  std::shared_ptr<Loaded> loaded(const std::string& model_id, const std::string& model_hash,
                                 const std::string& artifact_uri);

  models::ModelRecord deployed_model();

  store::ConnectionPool& pool_;
  StateCache* state_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Loaded>> cache_;  // by model_id + "@" + model_hash
};

}  // namespace usdcop::server
