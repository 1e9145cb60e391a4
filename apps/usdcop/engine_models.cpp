#include "engine_models.hpp"

#include "app/model_source.hpp"
#include "cli_services.hpp"
#include "core/error.hpp"
#include "store/pg_backtest_store.hpp"
#include "store/pg_model_registry.hpp"
#include "store/pg_registry_rows.hpp"

namespace usdcop::cli {
namespace {

live::TradingModel trading_model_of(app::ModelSource& m) {
  const app::ProfilesInForce profiles = app::profiles_for(services(), m);
  live::TradingModel t;
  t.model_id = m.model_id;
  t.policy = std::shared_ptr<trading::Policy>(std::move(m.bundle.policy));
  t.norm_stats = m.bundle.norm_stats;
  t.trading = profiles.trading;
  t.risk = profiles.risk;
  t.rules = position_rules_for(m);
  return t;
}

}  // namespace

// The production model from the registry (hash-verified), or in a replay on a database without
// a deployed model the one chosen (spec 12), audited.
live::TradingModel load_trading_model(const std::string& chosen, const std::string& replay,
                                      store::ConnectionPool& pool) {
  store::PgModelRegistry registry(pool);
  const auto deployed = registry.deployed();
  std::string id;
  if (!chosen.empty()) {
    if (replay.empty())
      throw Error(ErrorKind::invalid_input,
                  "model: choosing the model is allowed only in a replay; live trading uses the "
                  "deployed model",
                  "model");
    if (deployed)
      throw Error(ErrorKind::conflict,
                  "model: " + deployed->model_id +
                      " is deployed; the engine trades the deployed "
                      "model (a replay may choose one only on a database without a deployed model)",
                  "model");
    id = chosen;
  } else {
    if (!deployed)
      throw Error(ErrorKind::not_found,
                  "model: no model is deployed (promote one to production, or replay with a "
                  "chosen model)",
                  "model");
    id = deployed->model_id;
  }
  store::PgBacktestStore results(pool);
  app::ModelSource m = app::resolve_model(id, &results);
  if (!m.registered)
    throw Error(ErrorKind::not_found, "model: '" + id + "' is not a registered model_id", "model");
  if (!chosen.empty()) {
    auto conn = pool.acquire();
    pqxx::work tx(*conn, "engine_model_override");
    store::append_audit(tx, {0,
                             {},
                             "engine",
                             "system",
                             "engine.model_override",
                             "model",
                             m.model_id,
                             "",
                             "",
                             "replay with a chosen model (no deployed model)",
                             {{"replay", replay}, {"model_hash", m.bundle.run.model_hash}},
                             ""});
    tx.commit();
  }
  return trading_model_of(m);
}

// Every staging model, each in its own shadow session (spec 12), hash-verified like production.
std::vector<live::TradingModel> load_shadow_models(store::ConnectionPool& pool) {
  store::PgModelRegistry registry(pool);
  store::PgBacktestStore results(pool);
  std::vector<live::TradingModel> out;
  for (const auto& r : registry.list(models::ModelStatus::staging)) {
    app::ModelSource m = app::resolve_model(r.model_id, &results);
    out.push_back(trading_model_of(m));
  }
  return out;
}

// Hot swap (spec 12): the deployed model and the staging ones as the registry has them now,
// each verified against its registered hash.
live::ModelSet load_models_in_force(store::ConnectionPool& pool) {
  const auto deployed = store::PgModelRegistry(pool).deployed();
  if (!deployed)
    throw Error(ErrorKind::not_found, "model: no model is deployed after the change", "model");
  store::PgBacktestStore results(pool);
  app::ModelSource m = app::resolve_model(deployed->model_id, &results);
  return {trading_model_of(m), load_shadow_models(pool)};
}

}  // namespace usdcop::cli
