#include "store/pg_backtest_jobs.hpp"

#include <pqxx/pqxx>
#include <regex>

#include "core/error.hpp"
#include "store/pg_copy.hpp"

namespace usdcop::store {
namespace {

const char* const kColumns =
    "id::text, requested_by, coalesce(request_id, ''), request::text, status, progress, "
    "coalesce(result_backtest_id::text, ''), coalesce(error, ''), server_id";

std::optional<Timestamp> time_or_null(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return from_micros(f.as<int64_t>());
}

BacktestJob job_of(const pqxx::row& r) {
  BacktestJob j;
  j.id = r[0].c_str();
  j.requested_by = r[1].c_str();
  j.request_id = r[2].c_str();
  j.request = nlohmann::json::parse(r[3].c_str());
  j.status = r[4].c_str();
  j.progress = r[5].as<double>();
  j.result_backtest_id = r[6].c_str();
  j.error = r[7].c_str();
  j.server_id = r[8].c_str();
  j.created_at = from_micros(r[9].as<int64_t>());
  j.started_at = time_or_null(r[10]);
  j.finished_at = time_or_null(r[11]);
  j.heartbeat_at = from_micros(r[12].as<int64_t>());
  return j;
}

}  // namespace

bool is_uuid(const std::string& text) {
  static const std::regex kUuid(
      "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
  return std::regex_match(text, kUuid);
}

std::string PgBacktestJobs::create(const std::string& requested_by, const std::string& request_id,
                                   const nlohmann::json& request, const std::string& server_id) {
  return guard_connection("creating a backtest job", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "backtest_job_create");
    const auto r = tx.exec_params1(
        "INSERT INTO ml.backtest_jobs (id, requested_by, request_id, request, server_id) VALUES "
        "(gen_random_uuid(), $1, NULLIF($2, ''), $3::jsonb, $4) RETURNING id::text",
        requested_by, request_id, request.dump(), server_id);
    tx.commit();
    return std::string(r[0].c_str());
  });
}

std::optional<BacktestJob> PgBacktestJobs::load(const std::string& id) {
  if (!is_uuid(id))
    throw Error(ErrorKind::invalid_input, "'" + id.substr(0, 64) + "' is not a UUID",
                "backtest_uuid");
  return guard_connection("reading a backtest job", [&]() -> std::optional<BacktestJob> {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    const auto r = tx.exec_params(
        std::string("SELECT ") + kColumns + ", " + sql_micros_of("created_at") + ", " +
            sql_micros_of("started_at") + ", " + sql_micros_of("finished_at") + ", " +
            sql_micros_of("heartbeat_at") + " FROM ml.backtest_jobs WHERE id = $1::uuid",
        id);
    if (r.empty()) return std::nullopt;
    return job_of(r[0]);
  });
}

std::vector<BacktestJob> PgBacktestJobs::list(const std::optional<std::string>& model_id,
                                              long limit) {
  return guard_connection("listing backtest jobs", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    const auto r = tx.exec_params(
        std::string("SELECT ") + kColumns + ", " + sql_micros_of("created_at") + ", " +
            sql_micros_of("started_at") + ", " + sql_micros_of("finished_at") + ", " +
            sql_micros_of("heartbeat_at") +
            " FROM ml.backtest_jobs WHERE ($1::text IS NULL OR request->>'model_id' = $1) "
            "ORDER BY created_at DESC, id LIMIT $2",
        model_id, limit);
    std::vector<BacktestJob> out;
    for (const auto& row : r) out.push_back(job_of(row));
    return out;
  });
}

namespace {
void update(ConnectionPool& pool, const char* what, const std::string& sql, const std::string& id,
            const std::string& value) {
  guard_connection(what, [&] {
    auto conn = pool.acquire();
    pqxx::work tx(*conn);
    tx.exec_params(sql, id, value);
    tx.commit();
  });
}
}  // namespace

void PgBacktestJobs::mark_running(const std::string& id) {
  guard_connection("starting a backtest job", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn);
    tx.exec_params(
        "UPDATE ml.backtest_jobs SET status = 'running', started_at = now(), heartbeat_at = "
        "now() WHERE id = $1::uuid AND status = 'queued'",
        id);
    tx.commit();
  });
}

void PgBacktestJobs::record_progress(const std::string& id, double progress) {
  update(pool_, "recording a backtest job's progress",
         "UPDATE ml.backtest_jobs SET progress = least(1, greatest(0, $2::float8)), heartbeat_at "
         "= now() WHERE id = $1::uuid AND status = 'running'",
         id, std::to_string(progress));
}

void PgBacktestJobs::mark_succeeded(const std::string& id, const std::string& backtest_uuid) {
  update(pool_, "finishing a backtest job",
         "UPDATE ml.backtest_jobs SET status = 'succeeded', progress = 1, result_backtest_id = "
         "$2::uuid, finished_at = now(), heartbeat_at = now() WHERE id = $1::uuid",
         id, backtest_uuid);
}

void PgBacktestJobs::mark_failed(const std::string& id, const std::string& error) {
  update(pool_, "failing a backtest job",
         "UPDATE ml.backtest_jobs SET status = 'failed', error = $2, finished_at = now(), "
         "heartbeat_at = now() WHERE id = $1::uuid AND status IN ('queued', 'running')",
         id, sanitize_utf8(error.substr(0, 2000)));
}

long PgBacktestJobs::fail_abandoned(const std::string& server_id, std::chrono::seconds stale_after,
                                    const std::string& error) {
  return guard_connection("failing abandoned backtest jobs", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn);
    const auto r = tx.exec_params(
        "UPDATE ml.backtest_jobs SET status = 'failed', error = $2, finished_at = now() WHERE "
        "status IN ('queued', 'running') AND server_id <> $1 AND heartbeat_at < now() - "
        "make_interval(secs => $3)",
        server_id, error, static_cast<double>(stale_after.count()));
    tx.commit();
    return static_cast<long>(r.affected_rows());
  });
}

}  // namespace usdcop::store
