#pragma once
// ml.backtest_jobs (migration 0022): backtests started over the HTTP API, from queued to
// succeeded (with the ml.backtest_results row it stored) or failed (with the reason). The
// running server beats on its jobs (heartbeat_at); a server that starts marks the open jobs
// of servers that stopped beating as failed.
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

struct BacktestJob {
  std::string id;
  std::string requested_by, request_id;
  nlohmann::json request;
  std::string status;  // queued | running | succeeded | failed
  double progress = 0;
  std::string result_backtest_id;  // "" until succeeded
  std::string error;               // "" unless failed
  std::string server_id;
  Timestamp created_at{};
  std::optional<Timestamp> started_at, finished_at;
  Timestamp heartbeat_at{};
};

class PgBacktestJobs {
 public:
  explicit PgBacktestJobs(ConnectionPool& pool) : pool_(pool) {}

  // A new queued job owned by `server_id`; returns its id.
  std::string create(const std::string& requested_by, const std::string& request_id,
                     const nlohmann::json& request, const std::string& server_id);
  // Error(invalid_input, field "backtest_uuid") when `id` is not a UUID.
  std::optional<BacktestJob> load(const std::string& id);
  void mark_running(const std::string& id);
  // Progress in [0, 1]; also the job's heartbeat.
  void record_progress(const std::string& id, double progress);
  void mark_succeeded(const std::string& id, const std::string& backtest_uuid);
  void mark_failed(const std::string& id, const std::string& error);
  // Newest first; only the jobs of `model_id` when given.
  std::vector<BacktestJob> list(const std::optional<std::string>& model_id, long limit);
  // Queued or running jobs of other servers whose last beat is older than `stale_after`
  // become failed with `error`; returns how many.
  long fail_abandoned(const std::string& server_id, std::chrono::seconds stale_after,
                      const std::string& error);

 private:
  ConnectionPool& pool_;
};

// Whether the text is a UUID (8-4-4-4-12 hex digits).
bool is_uuid(const std::string& text);

}  // namespace usdcop::store
