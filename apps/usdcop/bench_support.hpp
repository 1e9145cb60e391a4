#pragma once
// Shared by the `usdcop bench` subcommands: a scratch database and a CPU-time clock.
#include <string>

#include "live/trading_model.hpp"

namespace usdcop::store {
class ConnectionPool;
}

namespace usdcop::cli {

// Drops and recreates the named database on the current server, migrates it, returns its URL.
// Benchmarks write there so they never touch the operator's data.
std::string fresh_bench_database(const std::string& name);

// CPU time of the calling thread in seconds: on a shared machine wall time also counts other
// processes' turns, so benchmarks report both.
double thread_cpu_s();

// ../shared/data/<file> (beside the repository or the config directory's parent); Error
// not_found naming it otherwise.
std::string shared_file(const std::string& file);

// A registered model `model_id` with a random-weight 15-256-256-1 actor (seed 42), identity
// normalization and the active trading and risk profiles: the live benchmarks' model.
live::TradingModel bench_model(store::ConnectionPool& pool, const std::string& model_id);

}  // namespace usdcop::cli
