#pragma once
// Shared by the `usdcop bench` subcommands: a scratch database and a CPU-time clock.
#include <string>

namespace usdcop::cli {

// Drops and recreates the named database on the current server, migrates it, returns its URL.
// Benchmarks write there so they never touch the operator's data.
std::string fresh_bench_database(const std::string& name);

// CPU time of the calling thread in seconds: on a shared machine wall time also counts other
// processes' turns, so benchmarks report both.
double thread_cpu_s();

}  // namespace usdcop::cli
