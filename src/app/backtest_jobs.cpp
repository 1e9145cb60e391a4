#include "app/backtest_jobs.hpp"

#include "app/backtest_run.hpp"
#include "app/model_source.hpp"
#include "app/services.hpp"
#include "core/error.hpp"
#include "store/pg_backtest_store.hpp"

namespace usdcop::app {
namespace {

nlohmann::json request_json(const BacktestJobRequest& r) {
  auto date = [](const std::optional<Date>& d) {
    return d ? nlohmann::json(format_date(*d)) : nlohmann::json(nullptr);
  };
  return {{"model_id", r.model_id},
          {"start_date", date(r.start_date)},
          {"end_date", date(r.end_date)},
          {"period_type", r.period_type}};
}

void check_request(Services& services, const BacktestJobRequest& r) {
  if (r.model_id.empty()) throw Error(ErrorKind::invalid_input, "model_id: required", "model_id");
  if (r.period_type != "validation" && r.period_type != "test" && r.period_type != "custom")
    throw Error(ErrorKind::invalid_input, "period_type: validation, test or custom", "period_type");
  if (r.start_date.has_value() != r.end_date.has_value())
    throw Error(ErrorKind::invalid_input, "start_date and end_date go together",
                r.start_date ? "end_date" : "start_date");
  if (r.period_type == "custom" && !r.start_date)
    throw Error(ErrorKind::invalid_input, "start_date: required when period_type is custom",
                "start_date");
  if (r.start_date && *r.end_date < *r.start_date)
    throw Error(ErrorKind::invalid_input, "end_date: before start_date", "end_date");
  if (!services.backtests().find_model(r.model_id))
    throw Error(ErrorKind::not_found, "model " + r.model_id + " is not registered", "model_id");
}

BacktestRequest backtest_request_of(const BacktestJob& job) {
  BacktestRequest r;
  const auto& q = job.request;
  r.model = q.at("model_id").get<std::string>();
  r.period_type = q.at("period_type").get<std::string>();
  if (q.at("start_date").is_string()) {
    const auto from = parse_date_or_throw(q.at("start_date").get<std::string>(), "start_date");
    const auto to = parse_date_or_throw(q.at("end_date").get<std::string>(), "end_date");
    std::tie(r.from, r.to) = cot_day_range(from, to);
  }
  r.created_by = job.requested_by;
  r.run_source = "api";
  return r;
}

// Forwards progress to the door's observer and writes it to the row at most once a second.
class RecordingObserver final : public ReplayObserver {
 public:
  RecordingObserver(store::PgBacktestJobs& jobs, std::string id, ReplayObserver* next)
      : jobs_(jobs), id_(std::move(id)), next_(next) {}
  void bars_done(long done, long total) override {
    if (next_) next_->bars_done(done, total);
    const auto now = std::chrono::steady_clock::now();
    if (total <= 0 || now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    jobs_.record_progress(id_, static_cast<double>(done) / static_cast<double>(total));
  }
  void trade_closed(const trading::Trade& trade) override {
    if (next_) next_->trade_closed(trade);
  }
  void equity_marked(const backtest::EquityPoint& point) override {
    if (next_) next_->equity_marked(point);
  }

 private:
  store::PgBacktestJobs& jobs_;
  std::string id_;
  ReplayObserver* next_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace

BacktestJob submit_backtest_job(Services& services, const Caller& caller,
                                const BacktestJobRequest& request, const std::string& server_id) {
  require_role(services, caller.identity, models::Role::operator_, "backtest job");
  check_request(services, request);
  store::PgBacktestJobs jobs(services.pool());
  const auto id =
      jobs.create(caller.identity.principal, caller.request_id, request_json(request), server_id);
  return show_backtest_job(services, id);
}

BacktestJob run_backtest_job(Services& services, const std::string& job_id,
                             ReplayObserver* observer) {
  store::PgBacktestJobs jobs(services.pool());
  try {
    const auto job = show_backtest_job(services, job_id);
    jobs.mark_running(job_id);
    RecordingObserver recording(jobs, job_id, observer);
    const auto outcome = run_backtest(services, backtest_request_of(job), &recording);
    jobs.mark_succeeded(job_id, outcome.backtest_uuid);
  } catch (const std::exception& e) {
    // The reason is the job's result: the client reads it from the job or its stream.
    jobs.mark_failed(job_id, e.what());
  }
  return show_backtest_job(services, job_id);
}

std::optional<BacktestJob> find_backtest_job(Services& services, const std::string& job_id) {
  return store::PgBacktestJobs(services.pool()).load(job_id);
}

BacktestJob show_backtest_job(Services& services, const std::string& job_id) {
  auto job = find_backtest_job(services, job_id);
  if (!job)
    throw Error(ErrorKind::not_found, "backtest job " + job_id + " does not exist",
                "backtest_uuid");
  return std::move(*job);
}

std::vector<BacktestJob> list_backtest_jobs(Services& services,
                                            const std::optional<std::string>& model_id,
                                            long limit) {
  return store::PgBacktestJobs(services.pool()).list(model_id, limit);
}

long fail_abandoned_backtest_jobs(Services& services, const std::string& server_id,
                                  std::chrono::seconds stale_after) {
  return store::PgBacktestJobs(services.pool())
      .fail_abandoned(server_id, stale_after,
                      "interrupted: the server running it stopped (restart or crash); submit "
                      "the backtest again");
}

}  // namespace usdcop::app
