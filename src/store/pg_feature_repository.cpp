#include "store/pg_feature_repository.hpp"

#include <algorithm>
#include <map>
#include <pqxx/pqxx>
#include <set>

#include "core/error.hpp"
#include "fstore/publish_rules.hpp"
#include "store/pg_copy.hpp"

namespace usdcop::store {

namespace {

using fstore::FeaturePoint;
using fstore::FeatureSpec;
using nlohmann::json;

const char* kPointColumns =
    "feature_id, (extract(epoch FROM ts) * 1000000)::bigint, value, confidence, meta::text, "
    "evidence::text";

FeaturePoint point_from_row(const pqxx::row& r) {
  FeaturePoint p;
  p.feature_id = r[0].as<std::string>();
  p.ts = from_micros(r[1].as<int64_t>());
  p.value = r[2].as<double>();
  p.confidence = r[3].as<double>();
  p.meta = json::parse(r[4].as<std::string>());
  p.evidence = fstore::evidence_from_json(json::parse(r[5].as<std::string>()));
  return p;
}

// A text[] literal of ids; they match [a-z0-9_/]+ or are quoted safely.
std::string text_array(const std::vector<std::string>& items) {
  std::string s = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) s += ',';
    s += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') s += '\\';
      s += c;
    }
    s += '"';
  }
  return s + "}";
}

Date date_of(int64_t days_since_epoch) {
  return Date{std::chrono::days{days_since_epoch}};
}

FeatureSpec spec_from_row(const pqxx::row& r) {
  auto spec = FeatureSpec::from_json(json::parse(r[0].as<std::string>()), "fs.features_catalog");
  spec.version = r[1].as<int>();
  spec.active = r[2].as<bool>();
  return spec;
}

void insert_spec(pqxx::work& tx, const FeatureSpec& s, int version) {
  auto stored = s;
  stored.version = version;
  stored.active = true;
  tx.exec_params(
      "INSERT INTO fs.features_catalog (feature_id, version, entity, frequency, ttl_ms, tags, "
      "spec) "
      "VALUES ($1, $2, $3, $4, $5, ARRAY(SELECT jsonb_array_elements_text($6::jsonb)), $7::jsonb)",
      s.id, version, s.entity, s.frequency, s.ttl_ms, json(s.tags).dump(), stored.to_json().dump());
}

}  // namespace

std::vector<FeatureSpec> PgFeatureRepository::catalog(const fstore::CatalogFilter& f) {
  return guard_connection("reading the feature catalog", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::optional<std::string> tags;
    if (!f.tags.empty()) tags = json(f.tags).dump();
    const auto rows = tx.exec_params(
        "SELECT spec::text, version, active FROM fs.features_catalog WHERE active "
        "AND ($1::text IS NULL OR entity = $1) AND ($2::text IS NULL OR frequency = $2) "
        "AND ($3::jsonb IS NULL OR tags && ARRAY(SELECT jsonb_array_elements_text($3::jsonb))) "
        "ORDER BY feature_id",
        f.entity, f.frequency, tags);
    std::vector<FeatureSpec> out;
    for (const auto& r : rows) out.push_back(spec_from_row(r));
    return out;
  });
}

std::vector<FeatureSpec> PgFeatureRepository::versions(const std::string& id) {
  return guard_connection("reading feature versions", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::vector<FeatureSpec> out;
    for (const auto& r :
         tx.exec_params("SELECT spec::text, version, active FROM fs.features_catalog "
                        "WHERE feature_id = $1 ORDER BY version",
                        id))
      out.push_back(spec_from_row(r));
    return out;
  });
}

fstore::CatalogApplyResult PgFeatureRepository::apply_catalog(
    const std::vector<FeatureSpec>& specs) {
  return guard_connection("applying the feature catalog", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn);
    tx.exec("LOCK TABLE fs.features_catalog IN SHARE ROW EXCLUSIVE MODE");
    fstore::CatalogApplyResult result;
    for (const auto& s : specs) {
      const auto cur = tx.exec_params(
          "SELECT spec::text, version, active FROM fs.features_catalog WHERE feature_id = $1 "
          "AND active",
          s.id);
      const int max_version =
          tx.exec_params1(
                "SELECT coalesce(max(version), 0) FROM fs.features_catalog WHERE feature_id = $1",
                s.id)[0]
              .as<int>();
      if (!cur.empty() && spec_from_row(cur[0]).same_definition(s)) {
        ++result.unchanged;
        continue;
      }
      tx.exec_params(
          "UPDATE fs.features_catalog SET active = false, updated_at = now() "
          "WHERE feature_id = $1 AND active",
          s.id);
      insert_spec(tx, s, max_version + 1);
      if (max_version == 0)
        ++result.created;
      else
        ++result.new_versions;
    }
    tx.commit();
    return result;
  });
}

namespace {

std::string partitions_sql(const fstore::PublishWrite& w);

void stage_candidates(pqxx::work& tx, const fstore::PublishWrite& w) {
  // Kept for the session and emptied at each commit: creating and dropping a temp table per
  // batch costs more than the batch's COPY. IF NOT EXISTS keeps it correct behind a
  // transaction-mode pooler, where the next transaction may run on another backend.
  tx.exec(
      "CREATE TEMP TABLE IF NOT EXISTS fs_publish_stage (ord integer NOT NULL, feature_id text NOT "
      "NULL, ts timestamptz NOT NULL, value float8 NOT NULL, confidence float8 NOT NULL, meta "
      "jsonb NOT NULL, evidence jsonb NOT NULL) ON COMMIT DELETE ROWS; " +
      partitions_sql(w));
  CopyIn copy(tx, "fs_publish_stage",
              {"ord", "feature_id", "ts", "value", "confidence", "meta", "evidence"});
  for (const auto i : w.candidates) {
    const auto& p = (*w.points)[i];
    std::string& row = copy.row();
    append_int(row, static_cast<int64_t>(i));
    row += '\t';
    append_text(row, p.feature_id);
    row += '\t';
    row += format_rfc3339(p.ts);
    row += '\t';
    append_double(row, p.value);
    row += '\t';
    append_double(row, p.confidence);
    row += '\t';
    append_text(row, p.meta.dump());
    row += '\t';
    append_text(row, fstore::evidence_to_json(p.evidence).dump());
    copy.end_row();
  }
  copy.finish();
}

// The day partitions of the candidates, in the same round trip as the staging table.
std::string partitions_sql(const fstore::PublishWrite& w) {
  std::set<Date> days;
  for (const auto i : w.candidates)
    days.insert(std::chrono::floor<std::chrono::days>((*w.points)[i].ts));
  std::vector<std::string> names;
  for (const auto d : days) names.push_back(format_date(d));
  // Dates are digits and dashes: the literal needs no escaping.
  return "SELECT fs.create_day_partition(d) FROM unnest('" + text_array(names) + "'::date[]) d";
}

// Rejects ($1: [{i, f, r, raw}]) and per-feature count increments ($2: [{f, a, r}]) as CTEs, so
// they ride along with the main statement (each round trip costs on a busy machine).
const char* kCountsAndRejectsCtes =
    "rj AS (INSERT INTO fs.publish_rejects (batch_index, feature_id, reason, raw) "
    "SELECT x.i, nullif(x.f, ''), x.r, x.raw FROM jsonb_to_recordset($1::jsonb) "
    "AS x(i integer, f text, r text, raw jsonb) ORDER BY x.i RETURNING 1), "
    "cnt AS (INSERT INTO fs.ingest_counts (feature_id, day, accepted, rejected) "
    "SELECT x.f, (now() AT TIME ZONE 'UTC')::date, x.a, x.r FROM jsonb_to_recordset($2::jsonb) "
    "AS x(f text, a bigint, r bigint) "
    "WHERE EXISTS (SELECT 1 FROM fs.features_catalog c WHERE c.feature_id = x.f) ORDER BY x.f "
    "ON CONFLICT (feature_id, day) DO UPDATE SET accepted = fs.ingest_counts.accepted + "
    "EXCLUDED.accepted, rejected = fs.ingest_counts.rejected + EXCLUDED.rejected RETURNING 1)";

struct Bookkeeping {
  json rejects = json::array();
  json counts = json::array();
};

// Before writing: the refused inputs, and every candidate counted as accepted.
Bookkeeping pre_write_bookkeeping(const fstore::PublishWrite& w) {
  Bookkeeping b;
  std::map<std::string, std::pair<long, long>> counts;  // accepted, rejected
  for (const auto& r : w.rejects) {
    b.rejects.push_back({{"i", r.index}, {"f", r.feature_id}, {"r", r.reason}, {"raw", r.raw}});
    ++counts[r.feature_id].second;
  }
  for (const auto i : w.candidates) ++counts[(*w.points)[i].feature_id].first;
  for (const auto& [f, c] : counts) b.counts.push_back({{"f", f}, {"a", c.first}, {"r", c.second}});
  return b;
}

// After writing: the conflicts move from accepted to rejected and are recorded.
Bookkeeping conflict_bookkeeping(const fstore::PublishWrite& w,
                                 const std::vector<fstore::PublishConflict>& conflicts) {
  Bookkeeping b;
  std::map<std::string, long> moved;
  for (const auto& c : conflicts) {
    const auto& p = (*w.points)[c.index];
    const auto index = w.original_index ? (*w.original_index)[c.index] : c.index;
    b.rejects.push_back({{"i", index},
                         {"f", p.feature_id},
                         {"r", fstore::conflicting_duplicate_reason(c.stored_value)},
                         {"raw", p.to_json()}});
    ++moved[p.feature_id];
  }
  for (const auto& [f, n] : moved) b.counts.push_back({{"f", f}, {"a", -n}, {"r", n}});
  return b;
}

void write_bookkeeping(pqxx::work& tx, const Bookkeeping& b) {
  tx.exec_params(std::string("WITH ") + kCountsAndRejectsCtes + " SELECT 1", b.rejects.dump(),
                 b.counts.dump());
}

}  // namespace

fstore::PublishWriteOutcome PgFeatureRepository::write_points(const fstore::PublishWrite& w) {
  return guard_connection("publishing feature points", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn);
    fstore::PublishWriteOutcome out;
    const auto book = pre_write_bookkeeping(w);
    if (w.candidates.empty()) {
      write_bookkeeping(tx, book);
      tx.commit();
      return out;
    }
    stage_candidates(tx, w);
    // One statement: insert new points; a stored point with another value gets a no-op
    // update (its columns unchanged) only so that RETURNING reports it as a conflict; an
    // identical point is neither written nor returned. Only inserted points move `latest`.
    // Inserted rows carry this transaction's now() (xmax is not available on a partitioned
    // table); a stored row always has an earlier transaction's.
    const auto rows = tx.exec_params(
        std::string("WITH ") + kCountsAndRejectsCtes +
            ", ins AS (INSERT INTO fs.features_values AS v "
            "(feature_id, ts, value, confidence, meta, evidence) "
            "SELECT DISTINCT ON (feature_id, ts) feature_id, ts, value, confidence, meta, evidence "
            "FROM fs_publish_stage ORDER BY feature_id, ts, ord "
            "ON CONFLICT (feature_id, ts) DO UPDATE SET ingested_at = v.ingested_at "
            "WHERE v.value <> EXCLUDED.value "
            "RETURNING v.feature_id, v.ts, v.value, (v.ingested_at = now()) AS inserted), "
            "newest AS (SELECT DISTINCT ON (feature_id) feature_id, ts FROM ins WHERE inserted "
            "ORDER BY feature_id, ts DESC), "
            "lat AS (INSERT INTO fs.features_latest AS l "
            "(feature_id, ts, value, confidence, meta, evidence) "
            "SELECT DISTINCT ON (s.feature_id) s.feature_id, s.ts, s.value, s.confidence, s.meta, "
            "s.evidence FROM newest n JOIN fs_publish_stage s USING (feature_id, ts) "
            "ORDER BY s.feature_id, s.ord "
            "ON CONFLICT (feature_id) DO UPDATE SET ts = EXCLUDED.ts, value = EXCLUDED.value, "
            "confidence = EXCLUDED.confidence, meta = EXCLUDED.meta, evidence = EXCLUDED.evidence, "
            "ingested_at = now() WHERE EXCLUDED.ts > l.ts) "
            "SELECT feature_id, " +
            sql_micros_of("ts") +
            ", value FROM ins WHERE NOT inserted "
            "UNION ALL SELECT NULL, count(*), 0 FROM ins WHERE inserted",
        book.rejects.dump(), book.counts.dump());
    std::map<std::pair<std::string, int64_t>, double> conflicting;
    for (const auto& r : rows) {
      if (r[0].is_null())
        out.stored = r[1].as<long>();
      else
        conflicting[{r[0].as<std::string>(), r[1].as<int64_t>()}] = r[2].as<double>();
    }
    for (const auto i : w.candidates) {
      const auto& p = (*w.points)[i];
      const auto it = conflicting.find({p.feature_id, to_micros(p.ts)});
      if (it != conflicting.end()) out.conflicts.push_back({i, it->second});
    }
    if (!out.conflicts.empty()) write_bookkeeping(tx, conflict_bookkeeping(w, out.conflicts));
    tx.commit();
    return out;
  });
}

std::optional<FeaturePoint> PgFeatureRepository::latest(const std::string& id, Timestamp now) {
  return guard_connection("reading the latest feature point", [&]() -> std::optional<FeaturePoint> {
    auto conn = pool_.acquire();
    pqxx::nontransaction tx(*conn);
    pqxx::result r;
    if (fstore::is_platform_macro_input(id))
      r = tx.exec_params(std::string("SELECT ") + kPointColumns +
                             " FROM fs.platform_macro_values WHERE variable = $1 AND ts <= $2 "
                             "ORDER BY ts DESC LIMIT 1",
                         fstore::platform_macro_variable(id), format_rfc3339(now));
    else
      r = tx.exec_params(
          std::string("SELECT ") + kPointColumns + " FROM fs.features_latest WHERE feature_id = $1",
          id);
    if (r.empty()) return std::nullopt;
    return point_from_row(r[0]);
  });
}

std::map<std::string, fstore::FeatureRepository::RangeRead> PgFeatureRepository::range(
    const std::vector<std::string>& ids, Timestamp since, Timestamp until, std::size_t limit) {
  std::vector<std::string> stored, macro;
  for (const auto& id : ids) (fstore::is_platform_macro_input(id) ? macro : stored).push_back(id);
  for (auto& v : macro) v = fstore::platform_macro_variable(v);
  return guard_connection("querying feature points", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::map<std::string, RangeRead> out;
    const auto collect = [&](const pqxx::result& rows) {
      for (const auto& r : rows) out[r[0].as<std::string>()].points.push_back(point_from_row(r));
    };
    if (!stored.empty())
      collect(tx.exec_params(
          "SELECT * FROM fs.read_values($1::text[], $2::timestamptz, $3::timestamptz)",
          text_array(stored), format_rfc3339(since), format_rfc3339(until)));
    if (!macro.empty())
      collect(tx.exec_params(std::string("SELECT ") + kPointColumns +
                                 " FROM fs.platform_macro_values WHERE variable = ANY($1::text[]) "
                                 "AND ts >= $2::timestamptz AND ts < $3::timestamptz",
                             text_array(macro), format_rfc3339(since), format_rfc3339(until)));
    // Sorted here rather than in SQL: the database then only appends partition scans.
    for (auto& [id, read] : out) {
      std::sort(read.points.begin(), read.points.end(),
                [](const FeaturePoint& a, const FeaturePoint& b) { return a.ts < b.ts; });
      read.in_range = static_cast<long>(read.points.size());
      if (read.points.size() > limit + 1) read.points.resize(limit + 1);
    }
    return out;
  });
}

std::map<std::string, fstore::IngestCounts> PgFeatureRepository::ingest_counts(
    const std::vector<std::string>& ids, Date since_day) {
  return guard_connection("reading ingest counts", [&] {
    auto conn = pool_.acquire();
    pqxx::nontransaction tx(*conn);
    std::map<std::string, fstore::IngestCounts> out;
    for (const auto& r : tx.exec_params(
             "SELECT feature_id, sum(accepted)::bigint, sum(rejected)::bigint FROM "
             "fs.ingest_counts "
             "WHERE feature_id = ANY($1::text[]) AND day >= $2::date GROUP BY feature_id",
             text_array(ids), format_date(since_day)))
      out[r[0].as<std::string>()] = {r[1].as<long>(), r[2].as<long>()};
    return out;
  });
}

std::vector<Date> PgFeatureRepository::day_partitions() {
  return guard_connection("listing feature partitions", [&] {
    auto conn = pool_.acquire();
    pqxx::nontransaction tx(*conn);
    std::vector<Date> out;
    for (const auto& r :
         tx.exec("SELECT (d - date '1970-01-01')::bigint FROM fs.day_partitions() d"))
      out.push_back(date_of(r[0].as<int64_t>()));
    return out;
  });
}

bool PgFeatureRepository::create_day_partition(Date day) {
  return guard_connection("creating a feature partition", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn);
    const bool created =
        tx.exec_params1("SELECT fs.create_day_partition($1::date)", format_date(day))[0].as<bool>();
    tx.commit();
    return created;
  });
}

long PgFeatureRepository::export_and_drop_day(Date day, const DayExporter& exporter) {
  return guard_connection("retiring a feature partition", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn);
    const auto name = tx.exec_params1("SELECT fs.day_partition_name($1::date)", format_date(day))[0]
                          .as<std::string>();
    if (tx.exec_params1("SELECT to_regclass('fs.' || $1) IS NULL", name)[0].as<bool>()) return 0L;
    const std::string table = "fs." + tx.quote_name(name);
    // Writers wait until the drop commits, so the export holds exactly the dropped rows.
    tx.exec("LOCK TABLE " + table + " IN EXCLUSIVE MODE");
    std::vector<FeaturePoint> rows;
    for (const auto& r : tx.exec(std::string("SELECT ") + kPointColumns + " FROM " + table +
                                 " ORDER BY feature_id, ts"))
      rows.push_back(point_from_row(r));
    exporter(rows);
    tx.exec_params("SELECT fs.drop_day_partition($1::date)", format_date(day));
    tx.commit();
    return static_cast<long>(rows.size());
  });
}

long PgFeatureRepository::storage_bytes() {
  return guard_connection("measuring the feature storage", [&] {
    auto conn = pool_.acquire();
    pqxx::nontransaction tx(*conn);
    return tx
        .exec1(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c JOIN "
            "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'fs' AND c.relkind = 'r'")
            [0]
        .as<long>();
  });
}

}  // namespace usdcop::store
