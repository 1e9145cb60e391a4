#include "store/pg_macro_store.hpp"

#include "store/pg_registry_rows.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "store/pg_copy.hpp"

namespace usdcop::store {

namespace {

std::string_view view(const pqxx::field& f) {
  return {f.c_str(), f.size()};
}
Date date_from_days(int64_t days) {
  return Date{std::chrono::days{days}};
}

// Upserts the observations (the last one per variable and date wins) and drops the flags of
// replaced values; counts go to `result`.
void write_observations_in(pqxx::work& tx, const std::vector<market::MacroObservation>& obs,
                           market::MacroWriteResult& result) {
  tx.exec(
      "CREATE TEMP TABLE usdcop_macro_stage (ord bigint NOT NULL, variable text NOT NULL, "
      "observation_date date "
      "NOT NULL, value float8 NOT NULL, available_us bigint NOT NULL, source text NOT NULL) ON "
      "COMMIT DROP");
  {
    CopyIn copy(tx, "usdcop_macro_stage",
                {"ord", "variable", "observation_date", "value", "available_us", "source"});
    long ord = 0;
    for (const auto& o : obs) {
      std::string& row = copy.row();
      append_int(row, ord++);
      row += '\t';
      append_text(row, o.variable);
      row += '\t';
      row += format_date(o.observation_date);
      row += '\t';
      append_double(row, o.value);
      row += '\t';
      append_int(row, to_micros(o.available_at));
      row += '\t';
      append_text(row, o.source);
      copy.end_row();
    }
    copy.finish();
  }
  tx.exec(
      "CREATE TEMP TABLE usdcop_macro_in ON COMMIT DROP AS "
      "SELECT DISTINCT ON (variable, observation_date) variable, observation_date, value, " +
      sql_time_from_micros("available_us") +
      " AS available_at, source FROM usdcop_macro_stage ORDER BY variable, observation_date, "
      "ord DESC");
  // Flags describe a value; when the value is replaced they no longer apply.
  tx.exec(
      "DELETE FROM market.macro_flags f USING usdcop_macro_in i "
      "WHERE f.variable = i.variable AND f.observation_date = i.observation_date "
      "  AND f.value IS DISTINCT FROM i.value");
  // Counts come from what the upsert changed (xmax = 0: a new row), so two concurrent
  // imports of the same values report them inserted once and unchanged once.
  const auto counts = tx.exec(
      "WITH w AS (INSERT INTO market.macro_observations (variable, observation_date, value, "
      "available_at, source) "
      "SELECT variable, observation_date, value, available_at, source FROM usdcop_macro_in "
      "ORDER BY variable, observation_date "
      "ON CONFLICT (variable, observation_date) DO UPDATE SET value = EXCLUDED.value, "
      "  available_at = EXCLUDED.available_at, source = EXCLUDED.source, ingested_at = now() "
      "WHERE (macro_observations.value, macro_observations.available_at) IS DISTINCT FROM "
      "      (EXCLUDED.value, EXCLUDED.available_at) "
      "RETURNING (xmax = 0) AS inserted) "
      "SELECT (SELECT count(*) FROM w WHERE inserted), (SELECT count(*) FROM w WHERE NOT "
      "inserted), (SELECT count(*) FROM usdcop_macro_in)");
  result.inserted = counts[0][0].as<long>();
  result.updated = counts[0][1].as<long>();
  result.unchanged = counts[0][2].as<long>() - result.inserted - result.updated;
}

// Upserts the flags (the last one per variable, date and rule wins).
void write_flags_in(pqxx::work& tx, const std::vector<market::MacroFlag>& flags) {
  tx.exec(
      "CREATE TEMP TABLE usdcop_macro_flag_stage (ord bigint NOT NULL, variable text NOT NULL, "
      "observation_date "
      "date NOT NULL, value float8, rule text NOT NULL, detail text) ON COMMIT DROP");
  {
    CopyIn copy(tx, "usdcop_macro_flag_stage",
                {"ord", "variable", "observation_date", "value", "rule", "detail"});
    long ord = 0;
    for (const auto& f : flags) {
      std::string& row = copy.row();
      append_int(row, ord++);
      row += '\t';
      append_text(row, f.variable);
      row += '\t';
      row += format_date(f.observation_date);
      row += '\t';
      append_double(row, f.value);
      row += '\t';
      append_text(row, f.rule);
      row += '\t';
      append_text(row, f.detail);
      copy.end_row();
    }
    copy.finish();
  }
  tx.exec(
      "INSERT INTO market.macro_flags (variable, observation_date, value, rule, detail) "
      "SELECT variable, observation_date, value, rule, detail FROM ("
      "  SELECT DISTINCT ON (variable, observation_date, rule) * FROM usdcop_macro_flag_stage"
      "  ORDER BY variable, observation_date, rule, ord DESC) s "
      "ON CONFLICT (variable, observation_date, rule) DO UPDATE SET value = EXCLUDED.value, "
      "  detail = EXCLUDED.detail, flagged_at = now(), accepted_at = NULL, accepted_by = NULL, "
      "  accept_reason = NULL "
      "WHERE macro_flags.value IS DISTINCT FROM EXCLUDED.value");
}

}  // namespace

market::MacroWriteResult PgMacroStore::write_observations(
    const std::vector<market::MacroObservation>& obs, const std::vector<market::MacroFlag>& flags) {
  market::MacroWriteResult result;
  if (obs.empty() && flags.empty()) return result;
  return guard_connection("writing macro observations", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "write_observations");
    if (!obs.empty()) write_observations_in(tx, obs, result);
    if (!flags.empty()) write_flags_in(tx, flags);
    tx.commit();
    return result;
  });
}

std::vector<market::MacroObservation> PgMacroStore::load_variable(const std::string& variable) {
  return guard_connection("loading macro observations", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn, "load_variable");
    const auto r = tx.exec_params(
        "SELECT o.observation_date - DATE '1970-01-01', o.value, " +
            sql_micros_of("o.available_at") +
            ", o.source, EXISTS (SELECT 1 FROM market.macro_flags f WHERE f.variable = o.variable"
            "   AND f.observation_date = o.observation_date AND f.accepted_at IS NULL) "
            "FROM market.macro_observations o WHERE o.variable = $1 ORDER BY o.observation_date",
        variable);
    std::vector<market::MacroObservation> out;
    out.reserve(r.size());
    for (const auto& row : r) {
      market::MacroObservation o;
      o.variable = variable;
      o.observation_date = date_from_days(parse_int(view(row[0])));
      o.value = parse_double(view(row[1]));
      o.available_at = from_micros(parse_int(view(row[2])));
      o.source = row[3].c_str();
      o.flagged = row[4].c_str()[0] == 't';
      out.push_back(std::move(o));
    }
    return out;
  });
}

std::vector<market::MacroFlag> PgMacroStore::load_flags(bool include_accepted) {
  return guard_connection("loading macro flags", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn, "load_flags");
    const auto r = tx.exec(
        std::string("SELECT variable, observation_date - DATE '1970-01-01', value, rule, "
                    "coalesce(detail, ''), ") +
        sql_micros_of("accepted_at") + ", coalesce(accepted_by, '') FROM market.macro_flags " +
        (include_accepted ? "" : "WHERE accepted_at IS NULL ") +
        "ORDER BY variable, observation_date, rule");
    std::vector<market::MacroFlag> out;
    out.reserve(r.size());
    for (const auto& row : r) {
      market::MacroFlag f;
      f.variable = row[0].c_str();
      f.observation_date = date_from_days(parse_int(view(row[1])));
      f.value = row[2].is_null() ? 0.0 : parse_double(view(row[2]));
      f.rule = row[3].c_str();
      f.detail = row[4].c_str();
      if (!row[5].is_null()) f.accepted_at = from_micros(parse_int(view(row[5])));
      f.accepted_by = row[6].c_str();
      out.push_back(std::move(f));
    }
    return out;
  });
}

bool PgMacroStore::accept_flag(const std::string& variable, Date date, const std::string& by,
                               const std::string& reason) {
  if (by.empty())
    throw Error(ErrorKind::invalid_input, "accepting a flag needs the name of who accepts it");
  return guard_connection("accepting a macro flag", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "accept_flag");
    const std::string day = format_date(date);
    const auto r = tx.exec_params(
        "UPDATE market.macro_flags SET accepted_at = now(), accepted_by = $3, accept_reason = $4 "
        "WHERE variable = $1 AND observation_date = $2::date AND accepted_at IS NULL "
        "RETURNING rule, value, coalesce(detail, '')",
        variable, day, sanitize_utf8(by), sanitize_utf8(reason));
    if (r.empty()) return false;
    nlohmann::json details = {
        {"variable", variable}, {"observation_date", day}, {"rules", nlohmann::json::array()}};
    for (const auto& row : r) {
      details["rules"].push_back(
          {{"rule", row[0].c_str()},
           {"value", row[1].is_null() ? nlohmann::json(nullptr)
                                      : nlohmann::json(parse_double(view(row[1])))},
           {"detail", row[2].c_str()}});
    }
    models::AuditEntry audit;
    audit.actor = sanitize_utf8(by);
    audit.action = "macro_flag.accept";
    audit.object_type = "macro_flag";
    audit.object_id = variable + "/" + day;
    audit.from_state = "open";
    audit.to_state = "accepted";
    audit.reason = sanitize_utf8(reason);
    audit.details = std::move(details);
    append_audit(tx, audit);
    tx.commit();
    return true;
  });
}

std::vector<std::string> PgMacroStore::variables() {
  return guard_connection("listing macro variables", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn, "macro_variables");
    const auto r =
        tx.exec("SELECT DISTINCT variable FROM market.macro_observations ORDER BY variable");
    std::vector<std::string> out;
    for (const auto& row : r) out.emplace_back(row[0].c_str());
    return out;
  });
}

}  // namespace usdcop::store
