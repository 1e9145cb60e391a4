#include "server/backtest_job_runner.hpp"

#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <span>

#include "backtest/signature.hpp"
#include "core/time.hpp"
#include "server/http_error.hpp"

namespace usdcop::server {
namespace {

std::string new_server_id() {
  std::random_device rd;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
  return std::string("api-") + buf;
}

// Publishes the replay as it runs: `progress` (at most one per whole percent), each closed
// trade as `trade` (the stored result's trade JSON), and the equity curve as `equity` sampled
// once per COT day: the starting capital, then each day's last point (the day's close), sent
// when the next day's first point arrives, and the final point by finish().
class RingObserver final : public app::ReplayObserver {
 public:
  explicit RingObserver(EventRing& ring) : ring_(ring) {}
  void bars_done(long done, long total) override {
    if (total <= 0) return;
    const int pct = static_cast<int>(100 * done / total);
    if (pct == last_pct_) return;
    last_pct_ = pct;
    ring_.publish("progress",
                  nlohmann::json{{"pct", pct}, {"bars_done", done}, {"bars_total", total}}.dump());
  }
  void trade_closed(const trading::Trade& trade) override {
    ring_.publish("trade", backtest::trades_to_json(std::span(&trade, 1))[0].dump());
  }
  void equity_marked(const backtest::EquityPoint& point) override {
    if (!started_) {  // the starting capital
      started_ = true;
      publish_equity(point);
      return;
    }
    if (held_ && cot_date(held_->time) != cot_date(point.time)) publish_equity(*held_);
    held_ = point;
  }
  // The last day's close (before `result`).
  void finish() {
    if (held_) publish_equity(*held_);
    held_.reset();
  }

 private:
  void publish_equity(const backtest::EquityPoint& p) {
    const auto curve = backtest::equity_to_json(std::span(&p, 1))[0];  // [time, equity, position]
    ring_.publish(
        "equity",
        nlohmann::json{{"time", curve[0]}, {"value", curve[1]}, {"position", curve[2]}}.dump());
  }

  EventRing& ring_;
  int last_pct_ = -1;
  bool started_ = false;
  std::optional<backtest::EquityPoint> held_;
};

}  // namespace

BacktestJobRunner::BacktestJobRunner(app::Services& services, BacktestJobLimits limits,
                                     std::chrono::seconds stale_after)
    : services_(services), limits_(limits), server_id_(new_server_id()) {
  try {
    if (const long n = app::fail_abandoned_backtest_jobs(services_, server_id_, stale_after))
      std::cerr << "api: " << n << " interrupted backtest job(s) marked failed\n";
  } catch (const std::exception& e) {
    std::cerr << "api: could not check interrupted backtest jobs: " << e.what() << "\n";
  }
  for (int i = 0; i < std::max(1, limits_.workers); ++i) threads_.emplace_back([this] { work(); });
}

BacktestJobRunner::~BacktestJobRunner() {
  stop();
}

void BacktestJobRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, entry] : rings_) entry.ring->close();
  }
  wake_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

app::BacktestJob BacktestJobRunner::submit(const app::Caller& caller,
                                           const app::BacktestJobRequest& request) {
  {
    std::lock_guard lock(mutex_);
    const int capacity = std::max(1, limits_.workers) + std::max(0, limits_.queue);
    if (stopping_ || accepted_ >= capacity) {
      HttpError full(429, "backtest_queue_full",
                     "this server runs " + std::to_string(capacity) +
                         " backtest jobs at most (running and queued); retry when one finishes",
                     "", {{"max_jobs", capacity}});
      full.retry_after_seconds = 30;
      throw full;
    }
    ++accepted_;  // reserved before the row exists, so two requests cannot both take the last
  }
  try {
    auto job = app::submit_backtest_job(services_, caller, request, server_id_);
    {
      std::lock_guard lock(mutex_);
      forget_old_rings();
      rings_[job.id] = {std::make_shared<EventRing>(limits_.keep, 10000), {}};
      queue_.push_back(job.id);
    }
    wake_.notify_one();
    return job;
  } catch (...) {
    std::lock_guard lock(mutex_);
    --accepted_;
    throw;
  }
}

std::shared_ptr<EventRing> BacktestJobRunner::ring(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  const auto it = rings_.find(job_id);
  return it == rings_.end() ? nullptr : it->second.ring;
}

void BacktestJobRunner::forget_old_rings() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = rings_.begin(); it != rings_.end();) {
    const bool finished = it->second.finished != std::chrono::steady_clock::time_point{};
    it = finished && now - it->second.finished > limits_.keep ? rings_.erase(it) : std::next(it);
  }
}

void BacktestJobRunner::work() {
  for (;;) {
    std::string id;
    std::shared_ptr<EventRing> ring;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;  // queued jobs stay queued: the next server marks them failed
      id = queue_.front();
      queue_.pop_front();
      ring = rings_[id].ring;
    }
    run_one(id, ring);
    std::lock_guard lock(mutex_);
    --accepted_;
    rings_[id].finished = std::chrono::steady_clock::now();
  }
}

void publish_outcome(EventRing& ring, const app::BacktestJob& job) {
  if (job.status == "succeeded")
    ring.publish("result", nlohmann::json{{"backtest_uuid", job.id},
                                          {"status", job.status},
                                          {"result_backtest_id", job.result_backtest_id}}
                               .dump());
  else
    ring.publish(
        "failed",
        nlohmann::json{{"backtest_uuid", job.id}, {"status", job.status}, {"error", job.error}}
            .dump());
}

void BacktestJobRunner::run_one(const std::string& job_id, const std::shared_ptr<EventRing>& ring) {
  RingObserver observer(*ring);
  try {
    const auto job = app::run_backtest_job(services_, job_id, &observer);
    if (job.status == "succeeded") observer.finish();
    publish_outcome(*ring, job);
  } catch (const std::exception& e) {
    // The job row could not be updated (database down): the stream still ends.
    ring->publish(
        "failed",
        nlohmann::json{{"backtest_uuid", job_id}, {"status", "failed"}, {"error", e.what()}}.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  ring->close();
}

}  // namespace usdcop::server
