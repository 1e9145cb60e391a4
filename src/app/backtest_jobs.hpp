#pragma once
// Backtest jobs (spec 07, 12): a backtest asked for over the HTTP API is recorded as a job in
// ml.backtest_jobs and run later by the server's worker through the same use case as `usdcop
// backtest` (app::run_backtest). Submitting checks the request (the model must be registered:
// a job never reads a path given by a client) and returns at once.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "app/caller.hpp"
#include "app/progress.hpp"
#include "core/time.hpp"
#include "store/pg_backtest_jobs.hpp"

namespace usdcop::app {

class Services;

struct BacktestJobRequest {
  std::string model_id;                      // a registered model
  std::optional<Date> start_date, end_date;  // COT days, inclusive
  std::string period_type = "custom";        // validation | test | custom (needs both dates)
};

using BacktestJob = store::BacktestJob;

// Error(invalid_input) naming the field for a bad request, Error(not_found) ("model_id") for
// an unregistered model; the caller needs the operator role. Returns the queued job.
BacktestJob submit_backtest_job(Services& services, const Caller& caller,
                                const BacktestJobRequest& request, const std::string& server_id);

// Runs a queued job to its end: running, progress (to `observer` and, at most once a second,
// to the row, which is also the job's heartbeat), then succeeded with the stored backtest or
// failed with the reason. Never throws for a failing backtest; returns the finished job.
BacktestJob run_backtest_job(Services& services, const std::string& job_id,
                             ReplayObserver* observer);

// Error(not_found) ("backtest_uuid") for an unknown job, Error(invalid_input) for a non-UUID.
BacktestJob show_backtest_job(Services& services, const std::string& job_id);
std::optional<BacktestJob> find_backtest_job(Services& services, const std::string& job_id);

// Newest first, at most `limit`; only `model_id`'s when given.
std::vector<BacktestJob> list_backtest_jobs(Services& services,
                                            const std::optional<std::string>& model_id, long limit);

// At a server's start: the queued or running jobs of servers that stopped beating for
// `stale_after` (a restart, a crash) become failed. Returns how many.
long fail_abandoned_backtest_jobs(Services& services, const std::string& server_id,
                                  std::chrono::seconds stale_after);

}  // namespace usdcop::app
