// Drift of the production model (spec 08, 12): GET /models/router/drift over the newest 300
// complete feature rows against the model's norm_stats deciles, the hourly job (app::DriftJob)
// writing monitor.drift_history and the usdcop_feature_psi gauge, GET /drift/history, and
// `usdcop drift`.
#include <cmath>

#include "api_fixture.hpp"
#include "app/drift.hpp"
#include "core/clock.hpp"
#include "drift_fixture.hpp"
#include "support/test_paths.hpp"

using usdcop::testing::ApiTest;
namespace t = usdcop::testing;
using namespace usdcop;

namespace {

class DriftApi : public ApiTest {
 protected:
  t::TempDir tmp;
  void deploy(const std::string& id) {
    t::register_loadable_model(db.pool(), tmp.path(), id, 21);
    t::stage_model(db.pool(), id);
    t::deploy_model(db.pool(), id);
  }
  // Every row in one bin of 10 (rows of the top bin only): the floored closed form.
  static double all_in_top_bin_psi() {
    return 0.9 * std::log(10.0) + 9 * (1e-4 - 0.1) * std::log(1e-4 / 0.1);
  }
};

}  // namespace

TEST_F(DriftApi, NeedsAProductionModelAndCompleteRows) {
  const auto none = get("/api/v1/models/router/drift", viewer);
  EXPECT_EQ(none.status, 404) << none.body;
  deploy("ppo_drift_a");
  const auto no_rows = get("/api/v1/models/router/drift", viewer);
  EXPECT_EQ(no_rows.status, 409) << no_rows.body;
  EXPECT_EQ(get("/api/v1/models/router/drift", "").status, 401);
}

TEST_F(DriftApi, PsiPerMarketFeatureOverTheNewest300CompleteRows) {
  deploy("ppo_drift_b");
  // 320 rows: the 20 oldest are outside the window; rsi_9 and dxy_z sit in the top bin.
  const auto t0 = t::seed_feature_rows(db.pool(), 320, {features::kRsi9, features::kDxyZ});
  const auto r = get("/api/v1/models/router/drift", viewer);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["model_id"], "ppo_drift_b");
  EXPECT_EQ(r.json["threshold"], 0.2);
  ASSERT_EQ(r.json["psi_scores"].size(), 13u);
  for (const char* f : {"rsi_9", "atr_pct", "adx_14", "dxy_z"})
    EXPECT_TRUE(r.json["psi_scores"].contains(f)) << f;
  EXPECT_NEAR(r.json["psi_scores"]["rsi_9"].get<double>(), all_in_top_bin_psi(), 1e-9);
  EXPECT_NEAR(r.json["psi_scores"]["atr_pct"].get<double>(), 0.0, 1e-12);
  EXPECT_EQ(r.json["drifted"], nlohmann::json({"rsi_9", "dxy_z"}));
  EXPECT_EQ(r.json["window"]["bars"], 300);
  EXPECT_EQ(r.json["window"]["from"], format_rfc3339(t0 + std::chrono::minutes(5 * 20)));
  EXPECT_EQ(r.json["window"]["to"], format_rfc3339(t0 + std::chrono::minutes(5 * 319)));

  const auto small = get("/api/v1/models/router/drift?window=50", viewer);
  ASSERT_EQ(small.status, 200) << small.body;
  EXPECT_EQ(small.json["window"]["bars"], 50);
  for (const char* q : {"window=5", "window=20000", "window=week"}) {
    const auto bad = get(std::string("/api/v1/models/router/drift?") + q, viewer);
    EXPECT_EQ(bad.status, 400) << q;
    EXPECT_EQ(bad.json["error"]["field"], "window") << q;
  }
  EXPECT_EQ(get("/api/v1/models/router/drift?bars=300", viewer).json["error"]["field"], "bars");
}

TEST_F(DriftApi, HourlyJobWritesHistoryAndTheGauge) {
  SimulatedClock clock(*parse_timestamp("2026-01-06T15:00:00Z"));
  app::Services job_services(db.url(), clock);
  app::DriftJob job;
  EXPECT_FALSE(job.tick(job_services, true)) << "no production model: kept, not thrown";
  EXPECT_NE(job.last_error().find("production"), std::string::npos) << job.last_error();

  deploy("ppo_drift_c");
  t::seed_feature_rows(db.pool(), 300, {features::kAdx14});
  EXPECT_FALSE(job.tick(job_services, true)) << "the hour since the refused run has not passed";
  clock.advance(std::chrono::hours(1));
  EXPECT_FALSE(job.tick(job_services, false)) << "a standby does not run it";
  const auto first = job.tick(job_services, true);
  ASSERT_TRUE(first);
  EXPECT_TRUE(job.last_error().empty());
  EXPECT_EQ(first->drifted(), std::vector<std::string>{"adx_14"});
  EXPECT_EQ(count("SELECT count(*) FROM monitor.drift_history"), 13);
  clock.advance(std::chrono::minutes(59));
  EXPECT_FALSE(job.tick(job_services, true));
  clock.advance(std::chrono::minutes(1));
  ASSERT_TRUE(job.tick(job_services, true));
  EXPECT_EQ(count("SELECT count(*) FROM monitor.drift_history WHERE drifted"), 2);

  const auto h = get("/api/v1/drift/history?feature=adx_14&from=2026-01-06", viewer);
  ASSERT_EQ(h.status, 200) << h.body;
  ASSERT_EQ(h.json["count"], 2);
  EXPECT_EQ(h.json["history"][0]["computed_at"], "2026-01-06T17:00:00Z");
  EXPECT_EQ(h.json["history"][0]["drifted"], true);
  EXPECT_EQ(get("/api/v1/drift/history?feature=position", viewer).json["error"]["field"],
            "feature");

  const auto metrics = get("/metrics", viewer);
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("usdcop_feature_psi{feature=\"adx_14\"}"), std::string::npos);
}

TEST_F(DriftApi, CliDriftPrintsAndRecords) {
  deploy("ppo_drift_d");
  t::seed_feature_rows(db.pool(), 300, {features::kVixZ});
  const auto env = "DATABASE_URL='" + db.url() + "'";
  const auto shown = t::run_usdcop("drift --json", env);
  ASSERT_EQ(shown.status, 0) << shown.err;
  const auto j = nlohmann::json::parse(shown.out);
  EXPECT_EQ(j["drifted"], nlohmann::json({"vix_z"}));
  EXPECT_EQ(count("SELECT count(*) FROM monitor.drift_history"), 0) << "on demand only reads";
  const auto recorded = t::run_usdcop("drift --record", env);
  ASSERT_EQ(recorded.status, 0) << recorded.err;
  EXPECT_NE(recorded.out.find("vix_z"), std::string::npos) << recorded.out;
  EXPECT_EQ(count("SELECT count(*) FROM monitor.drift_history WHERE feature = 'vix_z' AND "
                  "drifted"),
            1);
  const auto bad = t::run_usdcop("drift --window 3", env);
  EXPECT_EQ(bad.status, 2) << bad.out << bad.err;
}
