#pragma once
// The route groups of the API (docs/API.md). Each registers its routes on the router; they
// share the database pool and the production-model predictor.
#include <functional>
#include <string>
#include <vector>

#include "app/services.hpp"
#include "server/api_config.hpp"
#include "server/router.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::server {

class ProductionPredictor;
class StateCache;
struct Streams;

// The routes call the same app:: use cases as the CLI (services): mode changes, reads of bars,
// features, audit, risk events and operations history included. `pool` remains for /ready (a
// schema check on a raw connection) and the production predictor (docs/ARCHITECTURE.md).
struct ApiContext {
  app::Services& services;
  store::ConnectionPool& pool;
  const ApiConfig& config;
  ProductionPredictor& predictor;
  StateCache& state;  // the deployed model and the mode, refreshed by NOTIFY (state_cache.hpp)
  Streams* streams;   // event streams and backtest jobs (server/streams.hpp)
  // Run by GET /metrics before rendering: gauges read from the database at scrape time (feature
  // storage size, the latest liquidity regime). A failing one is logged, not fatal to the scrape.
  std::vector<std::function<void()>> scrape_refreshers = {};
};

void add_system_routes(Router& router, ApiContext& api);      // /health /ready /metrics /me
void add_operations_routes(Router& router, ApiContext& api);  // /operations/*
void add_models_routes(Router& router, ApiContext& api);      // /models*
void add_promotion_routes(Router& router, ApiContext& api);   // /promotions* /promote
void add_market_routes(Router& router, ApiContext& api);      // /market/* /features/latest
void add_predict_routes(Router& router, ApiContext& api);     // /predict
void add_audit_routes(Router& router, ApiContext& api);       // /audit /risk-events
void add_trading_routes(Router& router, ApiContext& api);     // /signals /positions /trades /pnl
void add_engine_routes(Router& router, ApiContext& api);      // drift, /engine/status, /dlq
void add_feature_routes(Router& router, ApiContext& api);     // /api/features/v1/*
void add_liquidity_routes(Router& router, ApiContext& api);   // /api/liquidity/v1/*
void add_backtest_routes(Router& router, ApiContext& api);    // /backtests*
void add_stream_routes(Router& router, ApiContext& api);      // /signals/stream

inline constexpr const char* kApiPrefix = "/api/v1";

}  // namespace usdcop::server
