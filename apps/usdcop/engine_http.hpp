#pragma once
// `usdcop engine --metrics-port P`: /metrics (spec 08 names) and /health (leader or standby,
// last bar age, mode, database reachable) on a port of the engine's own (spec 12).
#include <memory>
#include <string>

#include "live/engine_metrics.hpp"
#include "monitor/metrics_endpoint.hpp"
#include "store/pg_live_store.hpp"

namespace usdcop::cli {

std::unique_ptr<monitor::MetricsEndpoint> serve_engine_metrics(const std::string& host, int port,
                                                               live::EngineMetrics& metrics,
                                                               store::PgLiveStore& store);

}  // namespace usdcop::cli
