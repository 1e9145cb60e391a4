// Backtest jobs over the API (spec 07, 12, issue 15): POST /backtests answers 202 with the job
// and a Location, the worker runs the CLI's backtest, GET shows the stored result, the job's
// stream sends progress then the result; bad bodies name the field; roles; a job left open by
// a server that stopped is marked failed when the next one starts.
#include <pqxx/pqxx>

#include "../backtest/real_market_fixture.hpp"
#include "../trading/run_dir_fixture.hpp"
#include "api_fixture.hpp"
#include "model_fixtures.hpp"
#include "sse_client.hpp"
#include "store/pg_backtest_jobs.hpp"

using usdcop::testing::ApiTest;
using usdcop::testing::SseClient;

namespace {

usdcop::server::ApiConfig job_config() {
  usdcop::server::ApiConfig c;
  c.sse_heartbeat = std::chrono::milliseconds(200);
  return c;
}

class BacktestJobs : public ApiTest {
 protected:
  BacktestJobs() : ApiTest(job_config()) {
    const auto dir = usdcop::test_fixture::write_run_dir(
        usdcop::test_fixture::fresh_dir("jobs_model"), "ppo_jobs_s1", 1);
    usdcop::test_fixture::register_model(db.pool(), "m_job", 1, dir);
  }
  void store_january() {
    const long n = usdcop::test_fixture::store_real_market(
        db.pool(), usdcop::parse_timestamp_or_throw("2025-01-01T00:00:00Z", "from"),
        usdcop::parse_timestamp_or_throw("2025-02-01T00:00:00Z", "to"));
    ASSERT_GT(n, 1000);
  }
  static auto finished() {
    return [](const SseClient& c) { return c.finished; };
  }
  // The streamed trades are the stored result's, in order; the equity events are its curve's
  // first point and each COT day's last point.
  void expect_stored_trades_and_daily_equity(const std::string& result_id,
                                             const std::vector<usdcop::testing::SseEvent>& trades,
                                             const std::vector<usdcop::testing::SseEvent>& equity) {
    const auto stored_trades = nlohmann::json::parse(text(
        "SELECT trades::text FROM ml.backtest_results WHERE backtest_uuid = '" + result_id + "'"));
    ASSERT_GT(stored_trades.size(), 0u) << "the fixture model trades in January";
    ASSERT_EQ(trades.size(), stored_trades.size());
    for (std::size_t i = 0; i < trades.size(); ++i) EXPECT_EQ(trades[i].data, stored_trades[i]);
    const auto curve = nlohmann::json::parse(
        text("SELECT equity_curve::text FROM ml.backtest_results WHERE backtest_uuid = '" +
             result_id + "'"));
    std::vector<nlohmann::json> daily{curve.front()};
    for (std::size_t i = 1; i < curve.size(); ++i) {
      const bool last_of_day =
          i + 1 == curve.size() ||
          usdcop::cot_date(usdcop::parse_timestamp_or_throw(curve[i][0].get<std::string>(), "t")) !=
              usdcop::cot_date(
                  usdcop::parse_timestamp_or_throw(curve[i + 1][0].get<std::string>(), "t"));
      if (last_of_day) daily.push_back(curve[i]);
    }
    ASSERT_EQ(equity.size(), daily.size());
    for (std::size_t i = 0; i < daily.size(); ++i) {
      EXPECT_EQ(equity[i].data["time"], daily[i][0]);
      EXPECT_EQ(equity[i].data["value"], daily[i][1]);
      EXPECT_EQ(equity[i].data["position"], daily[i][2]);
    }
  }
};

TEST_F(BacktestJobs, AcceptedJobRunsAndShowsTheStoredResult) {
  store_january();
  const auto r = post("/api/v1/backtests", operator_,
                      nlohmann::json{{"model_id", "m_job"},
                                     {"start_date", "2025-01-02"},
                                     {"end_date", "2025-01-31"},
                                     {"period_type", "custom"}});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.json["backtest_uuid"];
  EXPECT_EQ(r.json["job_id"], id);
  EXPECT_EQ(r.header("Location"), "/api/v1/backtests/" + id);
  EXPECT_TRUE(r.json["status"] == "queued" || r.json["status"] == "running") << r.body;

  // The stream replays from the job's start: progress, trades and equity as the replay makes
  // them, then the result, then it ends.
  SseClient stream(api->port(), "/api/v1/backtests/" + id + "/stream", viewer);
  ASSERT_TRUE(stream.wait_until(finished())) << stream.body;
  const auto events = stream.snapshot();
  ASSERT_GE(events.size(), 2u) << stream.body;
  EXPECT_EQ(events.front().event, "equity") << "the starting capital comes first";
  EXPECT_EQ(events.back().event, "result") << stream.body;
  for (std::size_t i = 0; i + 1 < events.size(); ++i)
    EXPECT_LT(std::stoll(events[i].id), std::stoll(events[i + 1].id));
  const auto of_kind = [&](const std::string& kind) {
    std::vector<usdcop::testing::SseEvent> out;
    for (const auto& e : events)
      if (e.event == kind) out.push_back(e);
    return out;
  };
  EXPECT_EQ(of_kind("progress").back().data["pct"], 100);
  const std::string result_id = events.back().data["result_backtest_id"];
  expect_stored_trades_and_daily_equity(result_id, of_kind("trade"), of_kind("equity"));

  const auto job = get("/api/v1/backtests/" + id, viewer);
  ASSERT_EQ(job.status, 200) << job.body;
  EXPECT_EQ(job.json["status"], "succeeded");
  EXPECT_EQ(job.json["progress"], 1.0);
  EXPECT_EQ(job.json["requested_by"], "olga");
  EXPECT_EQ(job.json["result_backtest_id"], result_id);
  EXPECT_EQ(job.json["result"]["model_id"], "m_job");
  EXPECT_EQ(job.json["result"]["start_date"], "2025-01-02");
  EXPECT_TRUE(job.json["result"]["metrics"].contains("sharpe_ratio")) << job.body;
  EXPECT_EQ(count("SELECT count(*) FROM ml.backtest_results WHERE backtest_uuid = '" + result_id +
                  "' AND created_by = 'olga' AND run_source = 'api'"),
            1);
  const auto listed = get("/api/v1/backtests?model_id=m_job", viewer);
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json["count"], 1);
  EXPECT_EQ(listed.json["backtests"][0]["backtest_uuid"], id);
  EXPECT_EQ(get("/api/v1/backtests?model_id=other", viewer).json["count"], 0);
  EXPECT_EQ(get("/api/v1/backtests?limit=0", viewer).status, 400);
  // The stored result is also readable under its own uuid.
  const auto stored = get("/api/v1/backtests/" + result_id, viewer);
  EXPECT_EQ(stored.status, 200);
  EXPECT_EQ(stored.json["status"], "succeeded");
  // A reconnect after the result replays nothing more than the end.
  SseClient late(api->port(), "/api/v1/backtests/" + id + "/stream", viewer,
                 events[events.size() - 2].id);
  ASSERT_TRUE(late.wait_until(finished()));
  ASSERT_EQ(late.snapshot().size(), 1u) << late.body;
  EXPECT_EQ(late.snapshot()[0].event, "result");
  // A reconnect from the first trade replays exactly the rest: trades, equity, progress, result.
  std::size_t first_trade = 0;
  while (events[first_trade].event != "trade") ++first_trade;
  SseClient resumed(api->port(), "/api/v1/backtests/" + id + "/stream", viewer,
                    events[first_trade].id);
  ASSERT_TRUE(resumed.wait_until(finished()));
  const auto rest = resumed.snapshot();
  ASSERT_EQ(rest.size(), events.size() - first_trade - 1) << resumed.body;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    EXPECT_EQ(rest[i].id, events[first_trade + 1 + i].id);
    EXPECT_EQ(rest[i].event, events[first_trade + 1 + i].event);
    EXPECT_EQ(rest[i].data, events[first_trade + 1 + i].data);
  }
}

// One worker and no queue: while a job runs (held at its result INSERT by a SHARE lock), a second
// is refused with 429 and Retry-After, and ordinary requests are answered meanwhile.
class BacktestJobsFull : public BacktestJobs {
 protected:
  static usdcop::server::ApiConfig one_job() {
    auto c = job_config();
    c.backtest_workers = 1;
    c.backtest_queue = 0;
    return c;
  }
  BacktestJobsFull() { reset_server(one_job()); }
  void reset_server(const usdcop::server::ApiConfig& c) {
    client.reset();
    api.reset();
    api = std::make_unique<usdcop::server::ApiServer>(c, *services);
    client = std::make_unique<httplib::Client>("127.0.0.1", api->start());
    client->set_read_timeout(30, 0);
  }
};

TEST_F(BacktestJobsFull, ASecondJobBeyondTheCapacityIs429) {
  store_january();
  const nlohmann::json body{
      {"model_id", "m_job"}, {"start_date", "2025-01-02"}, {"end_date", "2025-01-10"}};
  auto lock_conn = db.pool().acquire();
  auto lock = std::make_unique<pqxx::work>(*lock_conn);
  lock->exec("LOCK TABLE ml.backtest_results IN SHARE MODE");
  const auto first = post("/api/v1/backtests", operator_, body);
  ASSERT_EQ(first.status, 202) << first.body;
  const auto second = post("/api/v1/backtests", operator_, body);
  EXPECT_EQ(second.status, 429) << second.body;
  EXPECT_EQ(second.json["error"]["code"], "backtest_queue_full");
  EXPECT_EQ(second.header("Retry-After"), "30");
  EXPECT_EQ(get("/api/v1/operations/status", viewer).status, 200);
  EXPECT_EQ(count("SELECT count(*) FROM ml.backtest_jobs"), 1);
  lock->abort();
  lock.reset();
  const std::string id = first.json["backtest_uuid"];
  SseClient stream(api->port(), "/api/v1/backtests/" + id + "/stream", viewer);
  ASSERT_TRUE(stream.wait_until(finished())) << stream.body;
  EXPECT_EQ(stream.snapshot().back().event, "result") << stream.body;
  // The worker is free again.
  EXPECT_EQ(post("/api/v1/backtests", operator_, body).status, 202);
}

TEST_F(BacktestJobs, AJobThatCannotRunFailsWithTheReason) {
  // No bars stored for these days.
  const auto r =
      post("/api/v1/backtests", operator_,
           nlohmann::json{
               {"model_id", "m_job"}, {"start_date", "2019-01-02"}, {"end_date", "2019-01-04"}});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.json["backtest_uuid"];
  SseClient stream(api->port(), "/api/v1/backtests/" + id + "/stream", viewer);
  ASSERT_TRUE(stream.wait_until(finished())) << stream.body;
  ASSERT_FALSE(stream.snapshot().empty()) << stream.body;
  EXPECT_EQ(stream.snapshot().back().event, "failed");
  const auto job = get("/api/v1/backtests/" + id, viewer);
  EXPECT_EQ(job.json["status"], "failed");
  EXPECT_FALSE(job.json["error"].get<std::string>().empty());
  EXPECT_TRUE(job.json["result_backtest_id"].is_null());
}

TEST_F(BacktestJobs, BadBodiesNameTheFieldAndRecordNothing) {
  struct Case {
    std::string body;
    int status;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"{", 400, "body"},
      {"[]", 400, "body"},
      {R"({"model_id":"m_job","start_date":"2025-01-02","end_date":"2025-01-31","speed":2})", 400,
       "speed"},
      {R"({"start_date":"2025-01-02","end_date":"2025-01-31"})", 400, "model_id"},
      {R"({"model_id":7,"start_date":"2025-01-02","end_date":"2025-01-31"})", 400, "model_id"},
      {R"({"model_id":"m_job","start_date":"2025-13-02","end_date":"2025-01-31"})", 400,
       "start_date"},
      {R"({"model_id":"m_job","start_date":"2025-01-31","end_date":"2025-01-02"})", 400,
       "end_date"},
      {R"({"model_id":"m_job","start_date":"2025-01-02"})", 400, "end_date"},
      {R"({"model_id":"m_job"})", 400, "start_date"},
      {R"({"model_id":"m_job","period_type":"weekly"})", 400, "period_type"},
      {R"({"model_id":"m_job; DROP TABLE ml.backtest_jobs","period_type":"test"})", 404,
       "model_id"},
      {R"({"model_id":")" + std::string(500, 'm') + R"(","period_type":"test"})", 400, "model_id"},
  };
  for (const auto& c : cases) {
    const auto r = post("/api/v1/backtests", operator_, c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_EQ(r.json["error"]["field"], c.field) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(count("SELECT count(*) FROM ml.backtest_jobs"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM system.audit_log WHERE action = 'command.refused' AND "
                  "actor = 'olga'"),
            static_cast<long>(cases.size()));
  EXPECT_EQ(get("/api/v1/backtests/not-a-uuid", viewer).status, 400);
  EXPECT_EQ(get("/api/v1/backtests/00000000-0000-0000-0000-000000000000", viewer).status, 404);
  EXPECT_EQ(get("/api/v1/backtests/00000000-0000-0000-0000-000000000000/stream", viewer).status,
            404);
}

TEST_F(BacktestJobs, RolesAreEnforced) {
  const nlohmann::json body{{"model_id", "m_job"}, {"period_type", "test"}};
  EXPECT_EQ(post("/api/v1/backtests", "", body).status, 401);
  const auto viewer_try = post("/api/v1/backtests", viewer, body);
  EXPECT_EQ(viewer_try.status, 403) << viewer_try.body;
  EXPECT_EQ(count("SELECT count(*) FROM ml.backtest_jobs"), 0);
  EXPECT_EQ(get("/api/v1/backtests/00000000-0000-0000-0000-000000000000", "").status, 401);
  EXPECT_EQ(get("/api/v1/backtests/00000000-0000-0000-0000-000000000000/stream", "").status, 401);
}

TEST_F(BacktestJobs, OpenJobsOfAStoppedServerAreMarkedFailedAtStart) {
  usdcop::store::PgBacktestJobs jobs(db.pool());
  const auto running = jobs.create("olga", "req-1", {{"model_id", "m_job"}}, "api-gone");
  jobs.mark_running(running);
  const auto queued = jobs.create("olga", "req-2", {{"model_id", "m_job"}}, "api-gone");
  const auto fresh = jobs.create("olga", "req-3", {{"model_id", "m_job"}}, "api-alive");
  usdcop::testing::exec_sql(db.pool(),
                            "UPDATE ml.backtest_jobs SET heartbeat_at = now() - interval '5 "
                            "minutes' WHERE server_id = 'api-gone'");
  // A second server starts on the same database: the gone server's jobs become failed; a job
  // whose server still beats is left alone.
  usdcop::server::ApiServer restarted(job_config(), *services);
  for (const auto& id : {running, queued}) {
    const auto job = jobs.load(id);
    ASSERT_TRUE(job);
    EXPECT_EQ(job->status, "failed");
    EXPECT_NE(job->error.find("interrupted"), std::string::npos) << job->error;
  }
  EXPECT_EQ(jobs.load(fresh)->status, "queued");
}

}  // namespace
