// /api/features/v1 over loopback (spec 10, docs/FEATURE_STORE.md): catalog filters, publish
// with per-index rejections and idempotent re-publication, latest, query with buckets, scopes,
// the rate limit and the storage circuit breaker's 503.
#include <chrono>

#include "oracle_fixture.hpp"

using nlohmann::json;
using usdcop::testing::OracleApiTest;

namespace {

constexpr const char* kYoy = "crypto/stables/mcap_total_usd_yoy";  // expected range [-0.5, 1.5]

std::string ts_at(usdcop::Timestamp t) {
  return usdcop::format_rfc3339(t);
}

usdcop::Timestamp hour_floor_now() {
  return std::chrono::floor<std::chrono::hours>(usdcop::now_utc());
}

json point(const std::string& id, usdcop::Timestamp ts, double value) {
  return {{"featureId", id}, {"ts", ts_at(ts)}, {"value", value}};
}

class FeatureApi : public OracleApiTest {
 protected:
  std::string values_snapshot() {
    return text(
        "SELECT string_agg(feature_id || ' ' || ts::text || ' ' || value::text || ' ' || "
        "ingested_at::text, ';' ORDER BY feature_id, ts) FROM fs.features_values");
  }
};

usdcop::server::ApiConfig five_a_minute() {
  usdcop::server::ApiConfig c;
  c.rate_limit_per_minute = 5;
  return c;
}

class RateLimitedFeatureApi : public OracleApiTest {
 protected:
  RateLimitedFeatureApi() : OracleApiTest(five_a_minute()) {}
};

}  // namespace

TEST_F(FeatureApi, CatalogFiltersByEntityFrequencyAndTags) {
  const auto all = get("/api/features/v1/catalog", reader);
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_TRUE(all.json.is_array());
  EXPECT_EQ(all.json.size(), 24u);
  const auto dex = get("/api/features/v1/catalog?tags=dex,nothing_has_this", reader);
  ASSERT_EQ(dex.json.size(), 1u);
  EXPECT_EQ(dex.json[0]["id"], "dex/agg/active_liquidity_usd");
  EXPECT_EQ(dex.json[0]["quality"]["expected_range"][1], 30000000000.0);
  const auto weekly = get("/api/features/v1/catalog?frequency=1w", reader);
  ASSERT_EQ(weekly.json.size(), 1u);
  EXPECT_EQ(weekly.json[0]["id"], "macro/us/walcl_total_usd");
  for (const auto& s : get("/api/features/v1/catalog?entity=macro", reader).json)
    EXPECT_EQ(s["entity"], "macro");
  const auto bad = get("/api/features/v1/catalog?entity=planet", reader);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json["error"]["field"], "entity");
  EXPECT_EQ(get("/api/features/v1/catalog?colour=red", reader).status, 400);
}

TEST_F(FeatureApi, ScopesDecideEveryEndpoint) {
  EXPECT_EQ(get("/api/features/v1/catalog", "").status, 401);
  const auto no_scope = get("/api/features/v1/catalog", viewer);  // a viewer token without scopes
  EXPECT_EQ(no_scope.status, 403);
  EXPECT_EQ(no_scope.json["error"]["code"], "forbidden");
  EXPECT_EQ(no_scope.json["error"]["details"]["needed_scope"], "oracle.reader");
  EXPECT_EQ(get("/api/features/v1/catalog", publisher).status, 403);     // publisher only
  EXPECT_EQ(get("/api/features/v1/catalog", oracle_admin).status, 200);  // admin grants all
  const json batch = json::array({point(kYoy, hour_floor_now(), 0.1)});
  const auto by_reader = post("/api/features/v1/publish", reader, batch);
  EXPECT_EQ(by_reader.status, 403);
  EXPECT_EQ(by_reader.json["error"]["details"]["needed_scope"], "oracle.publisher");
  EXPECT_EQ(count("SELECT count(*) FROM fs.features_values"), 0);
  EXPECT_EQ(post("/api/features/v1/publish", publisher, batch).status, 200);
  EXPECT_EQ(post("/api/features/v1/catalog", publisher, json{{"features", json::array()}}).status,
            403);
  EXPECT_EQ(post("/api/features/v1/maintain", reader, json::object()).status, 403);
  EXPECT_GE(count("SELECT count(*) FROM system.audit_log WHERE action = 'auth.denied' AND actor "
                  "IN ('vera', 'paul', 'rita')"),
            5);
}

TEST_F(FeatureApi, PublishRejectsPerIndexAndStoresTheGoodPoints) {
  const auto t = hour_floor_now() - std::chrono::hours(2);
  json batch = json::array({
      point(kYoy, t, 0.25),                                            // 0 good
      point("crypto/unknown/feed", t, 1.0),                            // 1 unknown feature
      point(kYoy, t + std::chrono::minutes(5), 12345.0),               // 2 placeholder: NaN
      point(kYoy, t + std::chrono::minutes(10), 50.0),                 // 3 outside 10x range
      point(kYoy, usdcop::now_utc() + std::chrono::minutes(10), 0.2),  // 4 future
      point(kYoy, t, 0.26),                                            // 5 conflicting duplicate
      point(kYoy, t + std::chrono::minutes(15), 0.3),                  // 6 good
  });
  std::string body = batch.dump();
  const auto at = body.find("12345.0");
  ASSERT_NE(at, std::string::npos);
  body.replace(at, 7, "NaN");  // what Python's json.dumps writes for float('nan')
  const auto r = post("/api/features/v1/publish", publisher, body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["accepted"], 2);
  EXPECT_EQ(r.json["stored"], 2);
  EXPECT_EQ(r.json["rejected"], 5);
  std::map<int, std::string> reasons;
  for (const auto& e : r.json["errors"]) reasons[e["index"].get<int>()] = e["reason"];
  ASSERT_EQ(reasons.size(), 5u) << r.body;
  EXPECT_NE(reasons[1].find("featureId: unknown feature"), std::string::npos) << reasons[1];
  EXPECT_NE(reasons[2].find("value: not a finite number"), std::string::npos) << reasons[2];
  EXPECT_NE(reasons[3].find("outside 10x the expected range"), std::string::npos) << reasons[3];
  EXPECT_NE(reasons[4].find("in the future"), std::string::npos) << reasons[4];
  EXPECT_NE(reasons[5].find("duplicate of index 0 with a different value"), std::string::npos)
      << reasons[5];
  EXPECT_EQ(count("SELECT count(*) FROM fs.features_values"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM fs.publish_rejects"), 5);
  // A duplicate of a stored point with another value is refused against the stored one.
  const auto again =
      post("/api/features/v1/publish", publisher, json::array({point(kYoy, t, 0.9)}));
  EXPECT_EQ(again.json["rejected"], 1);
  EXPECT_NE(again.json["errors"][0]["reason"].get<std::string>().find("duplicate"),
            std::string::npos);
  EXPECT_EQ(text("SELECT value::text FROM fs.features_values WHERE ts = '" + ts_at(t) + "'"),
            "0.25");
  // Not a list, or not JSON: the whole body is refused naming it.
  const auto object = post("/api/features/v1/publish", publisher, json{{"featureId", kYoy}});
  EXPECT_EQ(object.status, 400);
  EXPECT_EQ(object.json["error"]["field"], "body");
  EXPECT_EQ(post("/api/features/v1/publish", publisher, "[{").status, 400);
}

TEST_F(FeatureApi, IdenticalRepublicationChangesNothing) {
  json batch = json::array();
  const auto t0 = hour_floor_now() - std::chrono::hours(30);
  for (int i = 0; i < 30; ++i) batch.push_back(point(kYoy, t0 + std::chrono::hours(i), 0.01 * i));
  const auto first = post("/api/features/v1/publish", publisher, batch);
  ASSERT_EQ(first.json["stored"], 30) << first.body;
  const auto before = values_snapshot();
  const long rejects = count("SELECT count(*) FROM fs.publish_rejects");
  const auto second = post("/api/features/v1/publish", publisher, batch);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.json["accepted"], 30);
  EXPECT_EQ(second.json["stored"], 0);
  EXPECT_EQ(second.json["unchanged"], 30);
  EXPECT_EQ(second.json["rejected"], 0);
  EXPECT_EQ(values_snapshot(), before);  // not even ingested_at moved
  EXPECT_EQ(count("SELECT count(*) FROM fs.publish_rejects"), rejects);
}

TEST_F(FeatureApi, LatestAndQueryWithAggregationBuckets) {
  // 48 hourly points over two whole UTC days: value = hour index / 100.
  const auto day0 = std::chrono::floor<std::chrono::days>(usdcop::now_utc()) - std::chrono::days(2);
  json batch = json::array();
  for (int i = 0; i < 48; ++i)
    batch.push_back(point(kYoy, day0 + std::chrono::hours(i), i / 100.0));
  ASSERT_EQ(post("/api/features/v1/publish", publisher, batch).json["stored"], 48);

  const auto latest = get(std::string("/api/features/v1/latest?featureId=") + kYoy, reader);
  ASSERT_EQ(latest.status, 200) << latest.body;
  EXPECT_EQ(latest.json["value"], 0.47);
  EXPECT_EQ(latest.json["ts"], ts_at(day0 + std::chrono::hours(47)));
  EXPECT_EQ(latest.json["stale"], false);  // ttl 2 days
  EXPECT_GT(latest.json["age_ms"].get<long>(), 0);
  EXPECT_EQ(get("/api/features/v1/latest?featureId=no/such/feature", reader).status, 404);
  EXPECT_EQ(get("/api/features/v1/latest", reader).json["error"]["field"], "featureId");
  const auto empty = get("/api/features/v1/latest?featureId=cex/agg/perp_oi_usd", reader);
  EXPECT_EQ(empty.status, 200);
  EXPECT_TRUE(empty.json["point"].is_null());

  const json q{{"featureIds", {kYoy}},
               {"since", ts_at(day0)},
               {"until", ts_at(day0 + std::chrono::days(2))},
               {"agg", "sum"},
               {"interval", "1d"}};
  const auto r = post("/api/features/v1/query", reader, q);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto& f = r.json["features"][0];
  EXPECT_EQ(f["featureId"], kYoy);
  EXPECT_EQ(f["received"], 48);
  ASSERT_EQ(f["buckets"].size(), 2u) << r.body;
  EXPECT_NEAR(f["buckets"][0]["value"].get<double>(), 2.76, 1e-9);  // sum of 0..23 / 100
  EXPECT_NEAR(f["buckets"][1]["value"].get<double>(), 8.52, 1e-9);  // sum of 24..47 / 100
  EXPECT_EQ(f["buckets"][0]["count"], 24);
  EXPECT_EQ(f["coverage"], 1.0);  // daily feature, 2 days, capped at 1

  auto mean = q;
  mean["agg"] = "max";
  mean["interval"] = "12h";
  const auto m = post("/api/features/v1/query", reader, mean);
  ASSERT_EQ(m.json["features"][0]["buckets"].size(), 4u);
  EXPECT_EQ(m.json["features"][0]["buckets"][3]["value"], 0.47);
  auto raw = q;
  raw.erase("agg");
  raw.erase("interval");
  raw["limit"] = 10;
  const auto p = post("/api/features/v1/query", reader, raw);
  EXPECT_EQ(p.json["features"][0]["points"].size(), 10u);
  EXPECT_EQ(p.json["features"][0]["truncated"], true);

  const auto gates = get("/api/features/v1/quality?days=3", reader);
  ASSERT_EQ(gates.status, 200) << gates.body;
  EXPECT_EQ(gates.json.size(), 24u);
  for (const auto& g : gates.json) {
    if (g["featureId"] == kYoy) {
      EXPECT_EQ(g["received"], 48);
    }
  }
  EXPECT_EQ(get("/api/features/v1/quality?days=0", reader).json["error"]["field"], "days");

  auto no_interval = q;
  no_interval.erase("interval");
  const auto bad = post("/api/features/v1/query", reader, no_interval);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("interval"), std::string::npos) << bad.body;
  auto extra = q;
  extra["colour"] = "red";
  EXPECT_EQ(post("/api/features/v1/query", reader, extra).json["error"]["field"], "colour");
  EXPECT_EQ(
      post("/api/features/v1/query", reader, json{{"featureIds", {"no/such/feature"}}}).status,
      404);
}

TEST_F(FeatureApi, AdminAppliesCatalogVersionsAndRunsMaintenance) {
  auto spec = get("/api/features/v1/catalog?tags=dex", reader).json[0];
  spec["description"] = "DEX liquidity, redefined";
  spec.erase("version");
  spec.erase("active");
  const auto applied =
      post("/api/features/v1/catalog", oracle_admin, json{{"features", json::array({spec})}});
  ASSERT_EQ(applied.status, 200) << applied.body;
  EXPECT_EQ(applied.json["new_versions"], 1);
  const auto now = get("/api/features/v1/catalog?tags=dex", reader);
  EXPECT_EQ(now.json[0]["version"], 2);
  EXPECT_EQ(now.json[0]["description"], "DEX liquidity, redefined");
  spec["ttl_ms"] = -5;
  const auto bad =
      post("/api/features/v1/catalog", oracle_admin, json{{"features", json::array({spec})}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("ttl_ms"), std::string::npos) << bad.body;

  const auto m = post("/api/features/v1/maintain", oracle_admin, json{{"ahead_days", 3}});
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_GE(count("SELECT count(*) FROM pg_tables WHERE schemaname = 'fs' AND tablename LIKE "
                  "'features_values_p%'"),
            4);
  EXPECT_EQ(post("/api/features/v1/maintain", oracle_admin, json{{"export_dir", "/tmp"}}).status,
            400);
}

TEST_F(FeatureApi, MetricsOfSpec10AreOnTheServersRegistry) {
  const auto t = hour_floor_now() - std::chrono::hours(1);
  post("/api/features/v1/publish", publisher,
       json::array({point(kYoy, t, 0.1), point("crypto/unknown/feed", t, 1.0)}));
  post("/api/features/v1/query", reader, json{{"featureIds", {kYoy}}});
  get(std::string("/api/features/v1/latest?featureId=") + kYoy, reader);
  const auto m = get("/metrics", viewer);
  ASSERT_EQ(m.status, 200);
  for (const std::string needle :
       {"feature_ingest_total{feature=\"crypto/stables/mcap_total_usd_yoy\"}",
        "feature_ingest_fail_total{feature=\"\"}",
        "feature_freshness_seconds{feature=\"crypto/stables/mcap_total_usd_yoy\"}",
        "feature_coverage_ratio{feature=\"crypto/stables/mcap_total_usd_yoy\"}",
        "feature_query_duration_seconds_count{endpoint=\"publish\"}",
        "feature_query_duration_seconds_count{endpoint=\"query\"}",
        "feature_storage_size_bytes{layer=\"postgres\"}"})
    EXPECT_NE(m.body.find(needle), std::string::npos) << needle;
  EXPECT_EQ(m.body.find("crypto/unknown/feed"), std::string::npos);  // no client-made labels
}

TEST_F(FeatureApi, CorrelationIdIsEchoed) {
  const auto r = get("/api/features/v1/catalog", reader, {{"X-Correlation-Id", "corr-42"}});
  EXPECT_EQ(r.header("X-Correlation-Id"), "corr-42");
  EXPECT_EQ(r.header("X-Request-Id"), "corr-42");
}

TEST_F(FeatureApi, OpenStorageBreakerAnswers503) {
  ASSERT_EQ(get(std::string("/api/features/v1/latest?featureId=") + kYoy, reader).status, 200);
  // The storage starts failing: the application role loses its read of the latest table.
  usdcop::testing::owner_exec(
      db, "REVOKE SELECT ON fs.features_latest FROM " + text("SELECT current_user"));
  usdcop::testing::Reply r;
  int failures = 0;
  for (; failures < 30; ++failures) {
    r = get(std::string("/api/features/v1/latest?featureId=") + kYoy, reader);
    if (r.status == 503) break;
    EXPECT_EQ(r.status, 500) << r.body;  // an unclassified storage error, never a stack trace
  }
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_GE(failures, 1);
  EXPECT_EQ(r.json["error"]["code"], "unavailable");
  EXPECT_NE(r.json["error"]["message"].get<std::string>().find("circuit open"), std::string::npos);
  EXPECT_EQ(r.json["error"]["details"]["circuit"], "open");
  EXPECT_EQ(r.header("Retry-After"), "30");
  // Open means fail fast on every endpoint, including those whose table still works.
  EXPECT_EQ(post("/api/features/v1/query", reader, json{{"featureIds", {kYoy}}}).status, 503);
  EXPECT_EQ(
      post("/api/features/v1/publish", publisher, json::array({point(kYoy, hour_floor_now(), 0.1)}))
          .status,
      503);
}

TEST_F(RateLimitedFeatureApi, TokenOverItsBudgetGets429WithRetryAfter) {
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(get("/api/features/v1/catalog?tags=dex", reader).status, 200) << i;
  const auto r = get("/api/features/v1/catalog?tags=dex", reader);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.json["error"]["code"], "rate_limited");
  EXPECT_GT(std::stoi(r.header("Retry-After")), 0);
  // Another token has its own budget.
  EXPECT_EQ(post("/api/features/v1/publish", publisher, json::array()).status, 200);
}
