// Backtest jobs (spec 07, 12): POST /backtests (operator) records a job and answers 202 with its
// uuid and Location; the server's bounded worker runs it (the CLI's backtest use case). GET
// /backtests/{uuid} shows the job and, once it succeeded, the stored result; GET
// /backtests/{uuid}/stream follows it as Server-Sent Events.
#include "app/backtest_jobs.hpp"
#include "app/backtest_run.hpp"
#include "app/caller.hpp"
#include "core/error.hpp"
#include "server/json_body.hpp"
#include "server/query.hpp"
#include "server/routes.hpp"
#include "server/streams.hpp"

namespace usdcop::server {

namespace {

std::optional<Date> date_field(const JsonBody& body, const std::string& name) {
  const auto text = body.optional_string(name, 32);
  if (!text) return std::nullopt;
  const auto d = parse_date(*text);
  if (!d)
    throw Error(ErrorKind::invalid_input, name + ": expected a date YYYY-MM-DD (a COT day)", name);
  return d;
}

app::BacktestJobRequest request_of(const std::string& text) {
  const JsonBody body(text, {"model_id", "start_date", "end_date", "period_type"});
  app::BacktestJobRequest r;
  r.model_id = body.required_string("model_id", kMaxNameChars);
  r.start_date = date_field(body, "start_date");
  r.end_date = date_field(body, "end_date");
  r.period_type = body.optional_string("period_type", 16).value_or("custom");
  return r;
}

nlohmann::json time_or_null(const std::optional<Timestamp>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}

std::string location_of(const std::string& id) {
  return std::string(kApiPrefix) + "/backtests/" + id;
}

nlohmann::json job_json(const app::BacktestJob& j) {
  auto empty_null = [](const std::string& s) {
    return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
  };
  return {{"backtest_uuid", j.id},
          {"status", j.status},
          {"progress", j.progress},
          {"requested_by", j.requested_by},
          {"request", j.request},
          {"result_backtest_id", empty_null(j.result_backtest_id)},
          {"error", empty_null(j.error)},
          {"created_at", format_rfc3339(j.created_at)},
          {"started_at", time_or_null(j.started_at)},
          {"finished_at", time_or_null(j.finished_at)},
          {"stream", location_of(j.id) + "/stream"}};
}

nlohmann::json result_json(const backtest::StoredBacktest& s) {
  const auto& r = s.record;
  return {{"backtest_id", s.backtest_uuid},
          {"model_id", r.model_id},
          {"model_version", r.model_version},
          {"start_date", format_date(r.start_date)},
          {"end_date", format_date(r.end_date)},
          {"period_type", r.period_type},
          {"is_out_of_sample", r.is_out_of_sample},
          {"metrics", r.metrics},
          {"signature", r.signature},
          {"run_at", s.run_at}};
}

std::string uuid_param(const httplib::Request& req) {
  return checked_string(nlohmann::json(path_param(req, 1)), "backtest_uuid", 64);
}

void show(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {});
  const auto id = uuid_param(req);
  const auto job = app::find_backtest_job(api.services, id);
  if (!job) {
    // Not a job: a backtest stored by the CLI (or a job's result) is shown as succeeded.
    const auto stored = app::load_backtest(api.services, id);
    send_json(res,
              {{"backtest_uuid", id}, {"status", "succeeded"}, {"result", result_json(stored)}});
    return;
  }
  auto out = job_json(*job);
  if (!job->result_backtest_id.empty())
    out["result"] = result_json(app::load_backtest(api.services, job->result_backtest_id));
  send_json(res, out);
}

// A job this server does not follow any more (finished before the replay window, or run by
// a server that has since stopped): its final event from the row.
std::shared_ptr<EventRing> ring_from_row(ApiContext& api, const std::string& id) {
  const auto job = app::show_backtest_job(api.services, id);
  if (job.status != "succeeded" && job.status != "failed")
    throw Error(ErrorKind::conflict,
                "backtest job " + id + " is " + job.status + " on server " + job.server_id +
                    "; poll GET " + location_of(id),
                "backtest_uuid");
  auto ring = std::make_shared<EventRing>(api.config.sse_replay_window, 1);
  publish_outcome(*ring, job);
  ring->close();
  return ring;
}

void stream(ApiContext& api, const httplib::Request& req, httplib::Response& res) {
  reject_unknown_params(req, {});
  const auto id = uuid_param(req);
  const auto after = last_event_id(req).value_or(0);
  auto ring = api.streams->jobs.ring(id);
  if (!ring) ring = ring_from_row(api, id);
  send_event_stream(res, ring, after, api.streams->slots.acquire(), api.streams->heartbeat);
}

}  // namespace

void add_backtest_routes(Router& router, ApiContext& api) {
  const std::string p = kApiPrefix;
  router.post(p + "/backtests", Access::operator_,
              [&api](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
                std::optional<app::BacktestJob> job;
                // A refused request is audited (command.refused), like the other mutations.
                app::audit_refusals(api.services, ctx.actor().name, "POST /backtests", [&] {
                  job = api.streams->jobs.submit(ctx.caller(), request_of(req.body));
                });
                auto out = job_json(*job);
                out["job_id"] = job->id;
                send_json(res, out, 202);
                res.set_header("Location", location_of(job->id));
              });
  router.get(p + "/backtests", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               reject_unknown_params(req, {"model_id", "limit"});
               std::optional<std::string> model;
               if (auto m = query_text(req, "model_id", kMaxNameChars); !m.empty()) model = m;
               nlohmann::json out = nlohmann::json::array();
               for (const auto& job : app::list_backtest_jobs(
                        api.services, model, query_long(req, "limit", 100, 1, 1000)))
                 out.push_back(job_json(job));
               send_json(res, {{"backtests", out}, {"count", out.size()}});
             });
  router.get(p + "/backtests/{uuid}", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               show(api, req, res);
             });
  router.get(p + "/backtests/{uuid}/stream", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               stream(api, req, res);
             });
}

}  // namespace usdcop::server
