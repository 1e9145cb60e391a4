#pragma once
// The route groups of the API (docs/API.md). Each registers its routes on the router; they
// share the database pool and the production-model predictor.
#include <functional>
#include <string>

#include "app/services.hpp"
#include "server/api_config.hpp"
#include "server/router.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::server {

class ProductionPredictor;
struct Streams;

// The routes call the same app:: use cases as the CLI (services); the reads without a use case
// yet (risk events, bars, features, operations history) and the mode changes (their claimed
// actor goes to the audit details, which app::ModeChangeRequest cannot carry yet) use the
// store's repositories on the same pool.
struct ApiContext {
  app::Services& services;
  store::ConnectionPool& pool;
  const ApiConfig& config;
  ProductionPredictor& predictor;
  Streams* streams;  // event streams and backtest jobs (server/streams.hpp)
};

void add_system_routes(Router& router, ApiContext& api);      // /health /ready /metrics /me
void add_operations_routes(Router& router, ApiContext& api);  // /operations/*
void add_models_routes(Router& router, ApiContext& api);      // /models*
void add_promotion_routes(Router& router, ApiContext& api);   // /promotions* /promote
void add_market_routes(Router& router, ApiContext& api);      // /market/* /features/latest
void add_predict_routes(Router& router, ApiContext& api);     // /predict
void add_audit_routes(Router& router, ApiContext& api);       // /audit /risk-events
void add_backtest_routes(Router& router, ApiContext& api);    // /backtests*
void add_stream_routes(Router& router, ApiContext& api);      // /signals/stream

inline constexpr const char* kApiPrefix = "/api/v1";

}  // namespace usdcop::server
