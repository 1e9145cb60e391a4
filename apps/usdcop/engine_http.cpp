#include "engine_http.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace usdcop::cli {
namespace {

nlohmann::json time_or_null(const std::optional<Timestamp>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}

// The database part of both answers: mode and dead letters, or unreachable.
std::optional<store::LiveProbe> probe(live::EngineMetrics& metrics, store::PgLiveStore& store) {
  try {
    auto p = store.probe();
    metrics.database_reachable(true);
    metrics.mode(p.mode.value_or(trading::OperationsMode::kKilled));
    metrics.dead_letters(p.dead_letters);
    return p;
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::unavailable) throw;
    metrics.database_reachable(false);
    return std::nullopt;
  }
}

monitor::HealthReport health(live::EngineMetrics& metrics, store::PgLiveStore& store) {
  const auto db = probe(metrics, store);
  const auto s = metrics.status();
  nlohmann::json j;
  j["role"] = s.leader ? "leader" : "standby";
  j["leader"] = s.leader;
  j["epoch"] = s.epoch;
  j["database"] = db ? "reachable" : "unreachable";
  // Unreadable mode: the engine acts as KILLED (fail closed), and says so.
  const auto mode = db ? db->mode.value_or(trading::OperationsMode::kKilled)
                       : s.mode.value_or(trading::OperationsMode::kKilled);
  j["mode"] = trading::mode_name(mode);
  j["last_bar"] = time_or_null(s.last_bar);
  j["last_decision"] = time_or_null(s.last_decision);
  j["last_bar_age_seconds"] =
      s.last_bar_handled_at
          ? nlohmann::json(std::chrono::duration<double>(std::chrono::system_clock::now() -
                                                         *s.last_bar_handled_at)
                               .count())
          : nlohmann::json(nullptr);
  long pending = 0;
  if (db) {
    const auto it = db->dead_letters.find("pending");
    if (it != db->dead_letters.end()) pending = it->second;
  }
  j["dead_letters_pending"] = pending;
  if (s.listen) {  // live only: the LISTEN session's breaker and heartbeat
    j["listen"] = live::breaker_state_name(*s.listen);
    j["heartbeat_ok"] = s.heartbeat_ok;
  }
  j["status"] = db ? "ok" : "unavailable";
  return {db ? 200 : 503, j.dump()};
}

}  // namespace

std::unique_ptr<monitor::MetricsEndpoint> serve_engine_metrics(const std::string& host, int port,
                                                               live::EngineMetrics& metrics,
                                                               store::PgLiveStore& store) {
  return std::make_unique<monitor::MetricsEndpoint>(
      host, port, [&metrics, &store] { return health(metrics, store); },
      [&metrics, &store] { probe(metrics, store); });
}

}  // namespace usdcop::cli
