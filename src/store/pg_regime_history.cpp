#include "store/pg_regime_history.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "liquidity/regime_report.hpp"
#include "store/notify.hpp"
#include "store/pg_copy.hpp"

namespace usdcop::store {

namespace {

using liquidity::RegimeDay;
using nlohmann::json;

void append_opt(std::string& row, const std::optional<double>& v) {
  if (v)
    append_double(row, *v);
  else
    append_null(row);
}

void copy_day(CopyIn& copy, const RegimeDay& d) {
  std::string& row = copy.row();
  row += format_date(d.date);
  row += '\t';
  row += d.scored ? "t" : "f";
  row += '\t';
  row += liquidity::to_string(d.state);
  row += '\t';
  row += liquidity::to_string(d.candidate);
  row += '\t';
  row += format_date(d.candidate_since);
  for (const auto& c : d.components) {
    row += '\t';
    append_opt(row, c);
  }
  row += '\t';
  append_opt(row, d.raw);
  for (double v : {d.smoothed, d.score_0_100, d.coherence, d.confidence}) {
    row += '\t';
    append_double(row, v);
  }
  row += '\t';
  std::string arr = "{";
  for (std::size_t i = 0; i < d.stale_feeds.size(); ++i)
    arr += (i ? ",\"" : "\"") + d.stale_feeds[i] + "\"";
  append_text(row, arr + "}");
  row += '\t';
  append_text(row, d.feeds_json().dump());
  copy.end_row();
}

// The flip alert as it travels on usdcop_alerts: its own keys stay at the top level.
events::Alert flip_alert(const nlohmann::json& payload) {
  events::Alert alert{liquidity::kFlipAlertKind, payload.at("severity").get<std::string>(),
                      payload.at("message").get<std::string>(), payload};
  alert.fields.erase("severity");
  return alert;
}

std::optional<double> opt_field(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<double>();
}

}  // namespace

liquidity::HistoryWriteResult PgRegimeHistory::replace(const std::vector<RegimeDay>& days) {
  return guard_connection("writing the regime history", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn);
    tx.exec("LOCK TABLE liq.regime_history IN EXCLUSIVE MODE");
    tx.exec("DELETE FROM liq.regime_history");
    {
      CopyIn copy(
          tx, "liq.regime_history",
          {"grid_date", "scored", "state", "candidate", "candidate_since", "gl", "cn", "mp",
           "raw_score", "score", "score_0_100", "coherence", "confidence", "stale_feeds", "feeds"});
      for (const auto& d : days) copy_day(copy, d);
      copy.finish();
    }
    liquidity::HistoryWriteResult result;
    result.written = static_cast<long>(days.size());
    for (const auto& d : days) {
      if (!d.flip_alert) continue;
      const auto alert = liquidity::flip_alert_payload(d);
      const auto r = tx.exec_params(
          "INSERT INTO liq.regime_alerts (grid_date, kind, payload) VALUES ($1::date, $2, "
          "$3::jsonb) ON CONFLICT (grid_date) DO NOTHING RETURNING grid_date",
          format_date(d.date), liquidity::kFlipAlertKind, alert.dump());
      if (r.empty()) continue;
      notify(tx, flip_alert(alert));
      result.new_alerts.push_back(d.date);
    }
    tx.commit();
    return result;
  });
}

std::vector<liquidity::StoredRegimeDay> PgRegimeHistory::select(const std::string& tail,
                                                                const std::string& a,
                                                                const std::string& b) {
  return guard_connection("reading the regime history", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    const auto rows = tx.exec_params(
        "SELECT (grid_date - date '1970-01-01')::bigint, scored, state, candidate, "
        "(candidate_since - date '1970-01-01')::bigint, gl, cn, mp, raw_score, score, "
        "score_0_100, coherence, confidence, to_jsonb(stale_feeds)::text, feeds::text, " +
            sql_micros_of("computed_at") +
            ", EXISTS (SELECT 1 FROM liq.regime_alerts a WHERE a.grid_date = h.grid_date) "
            "FROM liq.regime_history h " +
            tail,
        a, b);
    std::vector<liquidity::StoredRegimeDay> out;
    for (const auto& r : rows) {
      liquidity::StoredRegimeDay s;
      auto& d = s.day;
      d.date = Date{std::chrono::days{r[0].as<int64_t>()}};
      d.scored = r[1].as<bool>();
      d.state = liquidity::parse_regime(r[2].as<std::string>());
      d.candidate = liquidity::parse_regime(r[3].as<std::string>());
      d.candidate_since = Date{std::chrono::days{r[4].as<int64_t>()}};
      for (int k = 0; k < 3; ++k) d.components[static_cast<std::size_t>(k)] = opt_field(r[5 + k]);
      d.raw = opt_field(r[8]);
      d.smoothed = r[9].as<double>();
      d.score_0_100 = r[10].as<double>();
      d.coherence = r[11].as<double>();
      d.confidence = r[12].as<double>();
      d.stale_feeds = json::parse(r[13].as<std::string>()).get<std::vector<std::string>>();
      d.feeds = RegimeDay::feeds_from_json(json::parse(r[14].as<std::string>()));
      s.computed_at = from_micros(r[15].as<int64_t>());
      d.flip_alert = r[16].as<bool>();
      out.push_back(std::move(s));
    }
    return out;
  });
}

std::optional<liquidity::StoredRegimeDay> PgRegimeHistory::latest() {
  auto r = select("WHERE $1::text = $2::text ORDER BY grid_date DESC LIMIT 1", "x", "x");
  if (r.empty()) return std::nullopt;
  return std::move(r.front());
}

std::optional<liquidity::StoredRegimeDay> PgRegimeHistory::at(Date date) {
  auto r = select("WHERE grid_date = $1::date AND $2::text = $2::text", format_date(date), "x");
  if (r.empty()) return std::nullopt;
  return std::move(r.front());
}

std::vector<liquidity::StoredRegimeDay> PgRegimeHistory::range(Date from, Date to) {
  return select("WHERE grid_date BETWEEN $1::date AND $2::date ORDER BY grid_date",
                format_date(from), format_date(to));
}

}  // namespace usdcop::store
