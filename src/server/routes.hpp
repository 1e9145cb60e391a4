#pragma once
// The route groups of the API (docs/API.md). Each registers its routes on the router; they
// share the database pool and the production-model predictor.
#include <functional>
#include <string>

#include "server/api_config.hpp"
#include "server/router.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::server {

class ProductionPredictor;

struct ApiContext {
  store::ConnectionPool& pool;
  const ApiConfig& config;
  ProductionPredictor& predictor;
};

void add_system_routes(Router& router, ApiContext& api);      // /health /ready /metrics /me
void add_operations_routes(Router& router, ApiContext& api);  // /operations/*
void add_models_routes(Router& router, ApiContext& api);      // /models*
void add_promotion_routes(Router& router, ApiContext& api);   // /promotions* /promote
void add_market_routes(Router& router, ApiContext& api);      // /market/* /features/latest
void add_predict_routes(Router& router, ApiContext& api);     // /predict
void add_audit_routes(Router& router, ApiContext& api);       // /audit /risk-events

// Runs a governance action for `actor`; when a rule refuses it (invalid_input, not_found,
// conflict, integrity) the refusal is audited as `command.refused` (as the CLI does) and
// rethrown.
void audit_refusal(store::ConnectionPool& pool, const std::string& actor, const std::string& action,
                   const std::function<void()>& run);

inline constexpr const char* kApiPrefix = "/api/v1";

}  // namespace usdcop::server
