#pragma once
// The bounded worker of backtest jobs (spec 07, 12): POST /backtests records a queued job
// (app::submit_backtest_job) and hands it here; `workers` threads run jobs one at a time each
// (app::run_backtest_job, the CLI's backtest), never an HTTP thread. At most `workers + queue`
// jobs are accepted at once; beyond, 429 `backtest_queue_full` with Retry-After. Each job
// has an EventRing for GET /backtests/{uuid}/stream: `progress` events, then `result` or
// `failed`, and the ring closes; finished rings are kept for the replay window.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/backtest_jobs.hpp"
#include "server/event_ring.hpp"

namespace usdcop::server {

struct BacktestJobLimits {
  int workers = 1;
  int queue = 4;
  std::chrono::seconds keep{600};  // finished jobs' events stay streamable this long
};

// A finished job's last event on its stream: `result` (succeeded) or `failed`, from its row.
void publish_outcome(EventRing& ring, const app::BacktestJob& job);

class BacktestJobRunner {
 public:
  // Marks failed the open jobs of servers that stopped beating for `stale_after`.
  BacktestJobRunner(app::Services& services, BacktestJobLimits limits,
                    std::chrono::seconds stale_after);
  ~BacktestJobRunner();
  BacktestJobRunner(const BacktestJobRunner&) = delete;
  BacktestJobRunner& operator=(const BacktestJobRunner&) = delete;

  // Validates and records the job, then queues it. HttpError 429 when full.
  app::BacktestJob submit(const app::Caller& caller, const app::BacktestJobRequest& request);
  // The job's event ring while this server has it (running, or finished within `keep`).
  std::shared_ptr<EventRing> ring(const std::string& job_id);
  const std::string& server_id() const { return server_id_; }
  // Stops taking jobs, closes every ring and joins the workers after their current job.
  void stop();

 private:
  void work();
  void run_one(const std::string& job_id, const std::shared_ptr<EventRing>& ring);
  void forget_old_rings();  // caller holds mutex_

  app::Services& services_;
  BacktestJobLimits limits_;
  std::string server_id_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  int accepted_ = 0;  // queued + running
  bool stopping_ = false;
  struct Entry {
    std::shared_ptr<EventRing> ring;
    std::chrono::steady_clock::time_point finished{};  // epoch while not finished
  };
  std::map<std::string, Entry> rings_;
  std::vector<std::thread> threads_;
};

}  // namespace usdcop::server
