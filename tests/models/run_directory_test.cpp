// Run directories as the registry reads them: every hash verified, tampering refused.
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.hpp"
#include "model_fixtures.hpp"
#include "models/model_card.hpp"
#include "models/run_directory.hpp"

using namespace usdcop;

TEST(RunDirectory, ValidRunIsRead) {
  usdcop::testing::TempDir tmp;
  const auto dir = usdcop::testing::write_run_directory(tmp.path(), "ppo_20260101_0000_s1");
  const auto run = models::read_run_directory(dir);
  EXPECT_EQ(run.run_id, "ppo_20260101_0000_s1");
  EXPECT_EQ(run.model_hash.size(), 64u);
  EXPECT_EQ(format_date(*run.training_end), "2023-12-29");
  EXPECT_EQ(run.hyperparameters["ppo"]["n_steps"], 2048);
  EXPECT_EQ(run.dataset["rows"], 74000);
}

TEST(RunDirectory, TamperedArtifactIsAnIntegrityErrorNamingTheFile) {
  usdcop::testing::TempDir tmp;
  const auto dir = usdcop::testing::write_run_directory(tmp.path(), "ppo_t");
  std::ofstream(dir / "actor.bin", std::ios::binary | std::ios::app) << "x";
  try {
    models::read_run_directory(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::integrity);
    EXPECT_NE(std::string(e.what()).find("actor.bin"), std::string::npos) << e.what();
  }
  std::filesystem::remove(dir / "actor.bin");
  try {
    models::read_run_directory(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::integrity);
  }
}

TEST(RunDirectory, BuilderCompatibilityIsTheMajorVersion) {
  EXPECT_TRUE(models::builder_compatible("1.0.0", "1.3.2"));
  EXPECT_FALSE(models::builder_compatible("2.0.0", "1.0.0"));
  EXPECT_THROW(models::major_version("x.y"), Error);
}

TEST(ModelCard, HasEverySection) {
  models::ModelCardData d;
  d.model.model_id = "ppo_card";
  d.model.version = 3;
  d.model.model_hash = std::string(64, 'a');
  d.model.builder_version = "1.0.0";
  d.model.config = {{"hyperparameters", {{"ppo", {{"gamma", 0.99}}}}}, {"run", {{"seed", 7}}}};
  models::BacktestSummary b;
  b.backtest_id = "12345678-0000-0000-0000-000000000000";
  b.period_type = "test";
  b.sharpe_ratio = 1.25;
  d.backtests.push_back(b);
  models::AuditEntry e;
  e.actor = "alice";
  e.action = "model.register";
  e.to_state = "registered";
  d.history.push_back(e);
  d.shadow = models::ShadowStats{200, 180, 210, 2};
  const std::string card = models::render_model_card(d);
  for (const char* s :
       {"# Model card: ppo_card", "## Hashes", "## Training data", "## Hyperparameters",
        "ppo.gamma", "## Backtest metrics", "1.250", "## Staging performance", "90.00 %",
        "## Known limitations", "## Risk factors", "DXY", "## Change history", "model.register"}) {
    EXPECT_NE(card.find(s), std::string::npos) << s;
  }
}
