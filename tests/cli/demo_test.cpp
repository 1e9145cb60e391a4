// `usdcop demo` end to end against a real database: every stage runs through the real
// commands, and a second run on the same database (the quick start must be safe to repeat)
// trains, registers and promotes a new model while the previous production model is archived.
// With its live ending (spec 12) the demo holds its last sessions back, promotes through both
// votes (an admin override when the production gates fail), then serves the API while the
// engine trades the held-back sessions, until SIGINT; a rerun replays the next sessions.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <regex>

#include "support/background_command.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

using namespace usdcop;

namespace {

long count(usdcop::testing::TestDatabase& db, const std::string& sql) {
  auto conn = db.pool().acquire();
  pqxx::nontransaction tx(*conn);
  return tx.exec1(sql)[0].as<long>();
}

// A copy of config/ whose promotion gates a 4k-step model can pass, so the test walks the
// whole two-vote path; the gates themselves are tested in tests/models.
std::filesystem::path lenient_config(const std::filesystem::path& dir) {
  std::filesystem::copy(usdcop::testing::source_root() / "config", dir,
                        std::filesystem::copy_options::recursive);
  std::ifstream in(dir / "promotion.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  text = std::regex_replace(text, std::regex("total_trades: [0-9]+"), "total_trades: 0");
  text = std::regex_replace(text, std::regex("sharpe_ratio: [0-9.]+"), "sharpe_ratio: -100");
  text = std::regex_replace(text, std::regex("win_rate: [0-9.]+"), "win_rate: 0");
  text = std::regex_replace(text, std::regex("max_drawdown_pct: -[0-9.]+"), "max_drawdown_pct: -1");
  text = std::regex_replace(text, std::regex("profit_factor: [0-9.]+"), "profit_factor: 0");
  std::ofstream(dir / "promotion.yaml") << text;
  return dir;
}

}  // namespace

TEST(Demo, RunsEveryStageAndIsSafeToRepeat) {
  usdcop::testing::TestDatabase db(2, /*migrate=*/false);
  const auto home =
      std::filesystem::temp_directory_path() / ("usdcop_demo_" + std::to_string(::getpid()));
  std::filesystem::remove_all(home);
  std::filesystem::create_directories(home);
  const auto config = lenient_config(home / "config");
  const std::string env = "DATABASE_URL='" + db.app_url() + "' USDCOP_OWNER_URL='" +
                          db.owner_url() + "' USDCOP_HOME='" + home.string() +
                          "' USDCOP_CONFIG_DIR='" + config.string() + "'";
  const std::string args = "demo --from 2024-01-01 --to 2025-12-31 --timesteps 4096 --no-serve";

  const auto first = usdcop::testing::run_usdcop(args, env);
  ASSERT_EQ(first.status, 0) << first.out << first.err;
  for (const char* stage :
       {"== 1/8 database", "== 3/8 data quality", "$ usdcop features build",
        "$ usdcop train --config", "$ usdcop models register", "$ usdcop backtest --model",
        "$ usdcop promote request", "$ usdcop promote vote",
        "manual vote by demo-risk-officer: ", "demo-viewer was refused (exit 5)"}) {
    EXPECT_NE(first.out.find(stage), std::string::npos) << stage << "\n" << first.out;
  }
  EXPECT_EQ(count(db, "SELECT count(*) FROM market.usdcop_m5_ohlcv"), 29460);
  EXPECT_EQ(count(db, "SELECT count(*) FROM features.inference_features_5m"), 29460);
  EXPECT_EQ(count(db, "SELECT count(*) FROM ml.model_registry WHERE status = 'deployed'"), 1);
  EXPECT_EQ(count(db, "SELECT count(*) FROM ml.backtest_results WHERE is_out_of_sample"), 1);

  const auto second = usdcop::testing::run_usdcop(args, env);
  ASSERT_EQ(second.status, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("29460 (already stored, unchanged)"), std::string::npos) << second.out;
  EXPECT_EQ(count(db, "SELECT count(*) FROM market.usdcop_m5_ohlcv"), 29460);
  EXPECT_EQ(count(db, "SELECT count(*) FROM ml.model_registry"), 2);
  EXPECT_EQ(count(db, "SELECT count(*) FROM ml.model_registry WHERE status = 'deployed'"), 1);
  EXPECT_EQ(
      count(db,
            "SELECT count(*) FROM ml.model_registry WHERE status = 'archived' AND was_production"),
      1);
  // Two models, each through request (staging), request + vote (production): audited.
  // (an admin approval of a failed auto vote is recorded as promotion.override)
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM system.audit_log WHERE action IN ('promotion.vote', "
                  "'promotion.override')"),
            2);
  EXPECT_GE(count(db, "SELECT count(*) FROM system.audit_log WHERE action = 'promotion.request'"),
            4);
  // Every governance row names a token's principal; the viewer's attempts were refused.
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM system.audit_log WHERE action = 'auth.denied' AND actor = "
                  "'demo-viewer'"),
            2);
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM system.audit_log WHERE action LIKE 'promotion.%' AND "
                  "actor NOT IN ('demo-researcher', 'demo-lead', 'demo-risk-officer')"),
            0);
  std::filesystem::remove_all(home);
}

namespace {

struct LiveDemo {
  std::string out;
  int port = 0;
  int status = -1;
};

// Runs the demo with its live ending until the replay is done, checks the API with the token,
// then stops it with SIGINT.
LiveDemo run_live_demo(const std::map<std::string, std::string>& env, const std::string& hold_back,
                       const std::filesystem::path& lead_token) {
  usdcop::testing::BackgroundCommand demo(
      {"demo", "--timesteps", "4096", "--hold-back", hold_back, "--speed", "max", "--port", "0"},
      env);
  LiveDemo r;
  const std::regex url(R"(listening on http://127\.0\.0\.1:(\d+))");
  std::smatch m;
  usdcop::testing::wait_until(
      [&] {
        r.out = demo.out();
        return r.out.find("replay done") != std::string::npos || demo.finished();
      },
      std::chrono::minutes(20));
  if (std::regex_search(r.out, m, url)) r.port = std::stoi(m[1]);
  EXPECT_GT(r.port, 0) << r.out << demo.err();
  if (r.port > 0) {
    httplib::Client client("127.0.0.1", r.port);
    client.set_read_timeout(30, 0);
    std::ifstream in(lead_token);
    std::string token;
    std::getline(in, token);
    const auto me = client.Get("/api/v1/me", {{"Authorization", "Bearer " + token}});
    EXPECT_TRUE(me && me->status == 200) << (me ? me->body : "no answer");
  }
  demo.signal(SIGINT);
  r.status = demo.wait();
  r.out = demo.out();
  EXPECT_EQ(r.status, 0) << r.out << demo.err();
  return r;
}

}  // namespace

TEST(Demo, EndsLiveTradingTheHeldBackSessionsAndARerunReplaysTheNextOnes) {
  usdcop::testing::TestDatabase db(2, /*migrate=*/false);
  const auto home =
      std::filesystem::temp_directory_path() / ("usdcop_demo_live_" + std::to_string(::getpid()));
  std::filesystem::remove_all(home);
  std::filesystem::create_directories(home);
  const std::map<std::string, std::string> env{{"DATABASE_URL", db.app_url()},
                                               {"USDCOP_OWNER_URL", db.owner_url()},
                                               {"USDCOP_HOME", home.string()}};
  const auto lead = home / "demo-tokens" / "demo-lead.token";

  const auto first = run_live_demo(env, "2", lead);
  for (const std::string& line : std::vector<std::string>{
           "held back for the live replay: 120 bars", "== 9/9 live", "$ usdcop up --replay",
           "demo-lead's admin token (shown only on this first run): usdcop_",
           "admin token: in " + lead.string(), "usdcop up: stopped"}) {
    EXPECT_NE(first.out.find(line), std::string::npos) << line << "\n" << first.out;
  }
  // The production vote either passed or was an admin override, said plainly.
  const bool override_said =
      first.out.find("OVERRIDE: the model fails the production gates") != std::string::npos;
  EXPECT_EQ(count(db, "SELECT count(*) FROM system.audit_log WHERE action = 'promotion.override'"),
            override_said ? 1 : 0);
  EXPECT_EQ(count(db, "SELECT count(*) FROM ml.model_registry WHERE status = 'deployed'"), 1);
  // Every synthetic bar is stored: the held-back ones came through the replay, and were decided.
  EXPECT_EQ(count(db, "SELECT count(*) FROM market.usdcop_m5_ohlcv"), 29460);
  EXPECT_EQ(count(db, "SELECT count(*) FROM trading.equity_snapshots"), 120);
  EXPECT_GT(count(db, "SELECT count(*) FROM trading.model_inferences WHERE role = 'production'"),
            0);

  // A rerun: no token shown, the series extended by the next session, replayed live.
  const auto second = run_live_demo(env, "1", lead);
  EXPECT_EQ(second.out.find("shown only on this first run"), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("held back for the live replay: 60 bars"), std::string::npos)
      << second.out;
  EXPECT_EQ(count(db, "SELECT count(*) FROM market.usdcop_m5_ohlcv"), 29520);
  std::filesystem::remove_all(home);
}
