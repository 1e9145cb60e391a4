#include "store/pg_backtest_store.hpp"

#include <pqxx/pqxx>
#include <regex>

#include "core/canonical_json.hpp"
#include "core/error.hpp"
#include "store/pg_copy.hpp"

namespace usdcop::store {

std::string PgBacktestStore::save(const backtest::BacktestRecord& rec,
                                  const std::vector<trading::RiskEvent>& risk_events) {
  return guard_connection("saving a backtest result", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "save_backtest");
    // jsonb is written from the canonical text: shortest round-trip numbers, so what is read
    // back re-serializes to the signed bytes.
    const auto r = tx.exec_params(
        "WITH m AS (SELECT $6::jsonb AS j) "
        "INSERT INTO ml.backtest_results (model_id, model_version, start_date, end_date, "
        "period_type, is_out_of_sample, total_trades, win_rate, sharpe_ratio, sortino_ratio, "
        "max_drawdown_pct, total_pnl, total_return_pct, profit_factor, metrics, trades, "
        "equity_curve, daily_returns, config, signature, run_source, created_by, "
        "signature_version, model_hash, builder_version, feature_order_hash, bar_range) "
        "SELECT $1, NULLIF($2, ''), $3::date, $4::date, $5, $7, (j->>'total_trades')::int, "
        "(j->>'win_rate')::float8, (j->>'sharpe_ratio')::float8, (j->>'sortino_ratio')::float8, "
        "(j->>'max_drawdown_pct')::float8, (j->>'total_pnl')::float8, "
        "(j->>'total_return_pct')::float8, "
        "(j->>'profit_factor')::float8, j, $8::jsonb, $9::jsonb, $10::jsonb, $11::jsonb, $12, $13, "
        "NULLIF($14, ''), $15, NULLIF($16, ''), NULLIF($17, ''), NULLIF($18, ''), "
        "NULLIF($19, 'null')::jsonb FROM m RETURNING backtest_uuid::text",
        rec.model_id, rec.model_version, format_date(rec.start_date), format_date(rec.end_date),
        rec.period_type, canonical_json(rec.metrics), rec.is_out_of_sample,
        canonical_json(rec.trades), canonical_json(rec.equity_curve),
        canonical_json(rec.daily_returns), canonical_json(rec.config), rec.signature,
        rec.run_source, rec.created_by, rec.signature_version, rec.model_hash, rec.builder_version,
        rec.feature_order_hash, canonical_json(rec.bar_range));
    if (!risk_events.empty()) {
      auto events = nlohmann::json::array();
      for (const auto& e : risk_events) events.push_back(trading::to_json(e));
      tx.exec_params(
          "INSERT INTO trading.risk_events (time, model_id, rule, action, details, source) "
          "SELECT (e->>'time')::timestamptz, $1, e->>'rule', e->>'action', e->'details', "
          "'backtest' "
          "FROM jsonb_array_elements($2::jsonb) e",
          rec.model_id, events.dump());
    }
    tx.commit();
    return std::string(r[0][0].c_str());
  });
}

namespace {
backtest::StoredBacktest stored_row(const pqxx::row& row) {
  backtest::StoredBacktest s;
  s.backtest_uuid = row[0].c_str();
  auto& r = s.record;
  r.model_id = row[1].c_str();
  r.model_version = row[2].c_str();
  r.start_date = parse_date_or_throw(row[3].c_str(), "start_date");
  r.end_date = parse_date_or_throw(row[4].c_str(), "end_date");
  r.period_type = row[5].c_str();
  r.is_out_of_sample = row[6].as<bool>();
  r.metrics = nlohmann::json::parse(row[7].c_str());
  r.trades = nlohmann::json::parse(row[8].c_str());
  r.equity_curve = nlohmann::json::parse(row[9].c_str());
  r.daily_returns = nlohmann::json::parse(row[10].c_str());
  r.config = nlohmann::json::parse(row[11].c_str());
  r.signature = row[12].c_str();
  r.run_source = row[13].c_str();
  r.created_by = row[14].c_str();
  r.signature_version = row[15].as<int>();
  r.model_hash = row[16].c_str();
  r.builder_version = row[17].c_str();
  r.feature_order_hash = row[18].c_str();
  r.bar_range = row[19].is_null() ? nlohmann::json() : nlohmann::json::parse(row[19].c_str());
  s.run_at = row[20].c_str();
  return s;
}
}  // namespace

std::optional<backtest::StoredBacktest> PgBacktestStore::load(const std::string& uuid) {
  static const std::regex kUuid(
      "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
  if (!std::regex_match(uuid, kUuid))
    throw Error(ErrorKind::invalid_input, "'" + uuid + "' is not a UUID", "backtest_uuid");
  return guard_connection(
      "reading a backtest result", [&]() -> std::optional<backtest::StoredBacktest> {
        auto conn = pool_.acquire();
        pqxx::read_transaction tx(*conn);
        const auto r = tx.exec_params(
            "SELECT backtest_uuid::text, model_id, coalesce(model_version, ''), "
            "start_date::text, end_date::text, period_type, is_out_of_sample, metrics::text, "
            "trades::text, equity_curve::text, daily_returns::text, config::text, signature, "
            "run_source, coalesce(created_by, ''), signature_version, coalesce(model_hash, ''), "
            "coalesce(builder_version, ''), coalesce(feature_order_hash, ''), bar_range::text, "
            "to_char(run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
            "FROM ml.backtest_results WHERE backtest_uuid = $1::uuid",
            uuid);
        if (r.empty()) return std::nullopt;
        return stored_row(r[0]);
      });
}

std::optional<backtest::RegisteredModel> PgBacktestStore::find_model(const std::string& model_id) {
  return guard_connection("reading the model registry",
                          [&]() -> std::optional<backtest::RegisteredModel> {
                            auto conn = pool_.acquire();
                            pqxx::read_transaction tx(*conn);
                            const auto r = tx.exec_params(
                                "SELECT model_id, version, status, artifact_uri, model_hash, "
                                "coalesce(training_start::text, ''), "
                                "coalesce(training_end::text, ''), coalesce(run_id, '') FROM "
                                "ml.model_registry WHERE model_id = $1",
                                model_id);
                            if (r.empty()) return std::nullopt;
                            backtest::RegisteredModel m;
                            m.model_id = r[0][0].c_str();
                            m.version = r[0][1].as<int>();
                            m.status = r[0][2].c_str();
                            m.artifact_uri = r[0][3].c_str();
                            m.model_hash = r[0][4].c_str();
                            m.training_start = parse_date(r[0][5].c_str());
                            m.training_end = parse_date(r[0][6].c_str());
                            m.run_id = r[0][7].c_str();
                            return m;
                          });
}

std::vector<std::string> PgBacktestStore::experiment_run_dirs(const std::string& experiment) {
  return guard_connection("reading experiment runs", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    const auto r = tx.exec_params(
        "SELECT artifact_uri FROM ml.experiment_runs WHERE kind = 'training' AND experiment = $1 "
        "AND status = 'completed' AND artifact_uri IS NOT NULL ORDER BY started_at, run_id",
        experiment);
    std::vector<std::string> out;
    for (const auto& row : r) out.emplace_back(row[0].c_str());
    return out;
  });
}

}  // namespace usdcop::store
