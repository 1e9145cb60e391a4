// `usdcop demo` end to end against a real database: every stage runs through the real
// commands, and a second run on the same database (the quick start must be safe to repeat)
// trains, registers and promotes a new model while the previous production model is archived.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <regex>

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
