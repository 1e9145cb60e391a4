// The engine's own observability (issue 13 items 7 and 8): /metrics and /health on the port of
// `usdcop engine --metrics-port`, scraped during a real replay; `usdcop doctor notify`.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>

#include "app/notify_check.hpp"
#include "live_fixture.hpp"
#include "support/background_command.hpp"

using namespace usdcop;
using namespace usdcop::live_testing;
using usdcop::testing::run_usdcop;
using usdcop::testing::TestDatabase;

namespace {

// The value of one sample line `name{labels} value` of a scrape; -1 when absent.
double sample(const std::string& scrape, const std::string& series) {
  const auto at = scrape.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(scrape.substr(at + series.size() + 2));
}

}  // namespace

TEST(LiveMetrics, TheEngineServesMetricsAndHealthOnItsOwnPortDuringAReplay) {
  TestDatabase db;
  prepare_database(db, "2025-01-02T00:00:00Z", "2025-02-03T00:00:00Z", "m_metrics", true);
  // One session day (60 bars) at 600x: about half a second per bar, time to scrape twice.
  const auto lines = real_bar_lines("2025-02-03T00:00:00Z", "2025-02-04T00:00:00Z");
  const auto file =
      write_replay_file(test_fixture::fresh_dir("live_metrics") / "replay.csv", lines);
  const int port = free_loopback_port();
  usdcop::testing::BackgroundCommand engine(
      {"engine", "--replay", file.string(), "--speed", "600", "--no-monitor", "--metrics-port",
       std::to_string(port)},
      {{"DATABASE_URL", db.url()}, {"USDCOP_HOME", std::getenv("USDCOP_HOME")}});
  httplib::Client http("127.0.0.1", port);
  http.set_connection_timeout(std::chrono::seconds(5));
  http.set_read_timeout(std::chrono::seconds(30));
  std::string scrape;
  auto l5 = [&] {
    const auto r = http.Get("/metrics");
    if (!r || r->status != 200) return -1.0;
    scrape = "\n" + r->body;
    return sample(scrape, "usdcop_events_processed_total{handler=\"L5\"}");
  };
  ASSERT_TRUE(usdcop::testing::wait_until([&] { return l5() >= 2; }, std::chrono::minutes(3)))
      << engine.err();
  const double first = sample(scrape, "usdcop_events_processed_total{handler=\"L5\"}");
  EXPECT_GE(sample(scrape, "usdcop_events_processed_total{handler=\"L1\"}"), first);
  EXPECT_GE(sample(scrape, "usdcop_features_calculated_total{builder_version=\"1.0.0\"}"), first);
  EXPECT_GE(sample(scrape, "usdcop_e2e_latency_seconds_count"), first);
  EXPECT_GE(sample(scrape, "usdcop_inference_latency_seconds_count{model=\"m_metrics\"}"), 1);
  EXPECT_EQ(sample(scrape, "usdcop_mode"), 0);
  EXPECT_EQ(sample(scrape, "usdcop_engine_leader"), 1);
  EXPECT_EQ(sample(scrape, "usdcop_postgres_connection_health"), 1);
  EXPECT_EQ(sample(scrape, "usdcop_dead_letter_queue_size{status=\"pending\"}"), 0);
  EXPECT_EQ(sample(scrape, "usdcop_model_info{model_id=\"m_metrics\",status=\"production\"}"), 1);
  EXPECT_GT(sample(scrape, "usdcop_equity"), 0);
  EXPECT_GE(sample(scrape, "usdcop_position{model=\"m_metrics\"}"), -1);
  EXPECT_GE(sample(scrape, "usdcop_last_ohlcv_bar_timestamp"), 1738584000);  // 2025-02-03 12:00
  EXPECT_NE(scrape.find("usdcop_e2e_latency_seconds_bucket{le=\"0.005\"}"), std::string::npos);
  // The counters move while the replay goes on.
  EXPECT_TRUE(usdcop::testing::wait_until([&] { return l5() > first; }, std::chrono::minutes(3)))
      << engine.err();

  const auto h = http.Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  const auto j = nlohmann::json::parse(h->body);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["role"], "leader");
  EXPECT_EQ(j["leader"], true);
  EXPECT_GE(j["epoch"].get<long>(), 1);
  EXPECT_EQ(j["mode"], "NORMAL");
  EXPECT_EQ(j["database"], "reachable");
  EXPECT_EQ(j["dead_letters_pending"], 0);
  ASSERT_TRUE(j["last_bar"].is_string());
  EXPECT_GE(j["last_bar"].get<std::string>(), "2025-02-03T13:00:00Z");
  ASSERT_TRUE(j["last_bar_age_seconds"].is_number());
  EXPECT_GE(j["last_bar_age_seconds"].get<double>(), 0);
  EXPECT_TRUE(j["last_decision"].is_string());
  engine.signal(SIGINT);
  EXPECT_EQ(engine.wait(), 0) << engine.err();
}

TEST(LiveDoctor, NotifySendsAndReceivesEveryNotificationAndReportsTheClockSkew) {
  TestDatabase db;
  const auto r = run_usdcop("doctor notify --events 50 --json", env_for(db));
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["channel"], "system_heartbeat");
  EXPECT_EQ(j["sent"], 50);
  EXPECT_EQ(j["received"], 50);
  EXPECT_EQ(j["lost"], 0);
  const auto& l = j["latency_ms"];
  for (const char* k : {"p50", "p95", "p99", "max"}) {
    ASSERT_TRUE(l[k].is_number()) << k;
    EXPECT_GE(l[k].get<double>(), 0) << k;
  }
  EXPECT_LE(l["p50"].get<double>(), l["p99"].get<double>());
  EXPECT_LE(l["p99"].get<double>(), l["max"].get<double>());
  ASSERT_TRUE(j["clock_skew_ms"].is_number());
  // The database runs on this host: the same clock, within the measuring round trip (10x).
  EXPECT_LE(std::abs(j["clock_skew_ms"].get<double>()),
            10 * (j["clock_round_trip_ms"].get<double>() + 1.0));
  EXPECT_TRUE(j["instance"].get<std::string>().ends_with(":doctor"));

  const auto bad = run_usdcop("doctor notify --events 0", env_for(db));
  EXPECT_NE(bad.status, 0);
}

TEST(LiveDoctor, LatencyPercentilesUseTheNearestRank) {
  std::vector<double> ms;
  for (int i = 100; i >= 1; --i) ms.push_back(i);
  const auto s = app::summarize_latency(ms);
  EXPECT_EQ(s.p50_ms, 50);
  EXPECT_EQ(s.p95_ms, 95);
  EXPECT_EQ(s.p99_ms, 99);
  EXPECT_EQ(s.max_ms, 100);
  EXPECT_EQ(app::summarize_latency({}).max_ms, 0);
}
