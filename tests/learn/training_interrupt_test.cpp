// Ctrl-C during `usdcop train` (a real SIGINT to the real binary) writes a resumable checkpoint,
// records the run as interrupted and exits 3; `usdcop train --resume` continues from the saved
// step count and finishes with a run directory that verifies.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "support/test_database.hpp"
#include "support/test_paths.hpp"
#include "trading/run_artifacts.hpp"

extern char** environ;

using namespace usdcop;
namespace fs = std::filesystem;

namespace {

std::string scalar(usdcop::testing::TestDatabase& db, const std::string& sql) {
  auto conn = db.pool().acquire();
  pqxx::nontransaction tx(*conn);
  return tx.exec1(sql)[0].c_str();
}

long lines_in(const fs::path& file) {
  std::ifstream in(file);
  long n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

nlohmann::json read_json(const fs::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

}  // namespace

TEST(TrainingInterrupt, SigintCheckpointsAndResumeFinishes) {
  usdcop::testing::TestDatabase db;
  std::string env = "DATABASE_URL='";
  env += db.url();
  env += "'";
  const fs::path work =
      fs::temp_directory_path() / ("usdcop_interrupt_" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work);
  using usdcop::testing::run_usdcop;
  auto r = run_usdcop("ingest synthetic --from 2024-06-01 --to 2025-04-30 --seed 5 --json", env);
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_usdcop("features build --json", env);
  ASSERT_EQ(r.status, 0) << r.err;
  const fs::path config = usdcop::testing::source_root() / "config/experiments/ci_smoke.yaml";
  const fs::path run = work / "run";

  // A budget far beyond what the test waits for; SIGINT once the first update is logged.
  ::setenv("DATABASE_URL", db.url().c_str(), 1);
  const std::string binary = usdcop::testing::usdcop_binary().string();
  std::vector<std::string> args{binary,       "train",       "--config", config.string(), "--out",
                                run.string(), "--timesteps", "10000000", "--threads",     "1"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = (work / "train.log").string();
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::unsetenv("DATABASE_URL");

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (lines_in(run / "training_log.csv") < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_GE(lines_in(run / "training_log.csv"), 2) << "no training update within 120 s";
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3) << std::ifstream(log).rdbuf();

  ASSERT_TRUE(fs::exists(run / "resume.json"));
  ASSERT_TRUE(fs::exists(run / "policy.pt"));
  EXPECT_FALSE(fs::exists(run / "run.json"));  // not a finished run
  const long steps = read_json(run / "resume.json").at("steps").get<long>();
  EXPECT_GT(steps, 0);
  EXPECT_LT(steps, 10000000);
  const std::string run_id = read_json(run / "resume.json").at("run_id").get<std::string>();
  EXPECT_EQ(scalar(db, "SELECT status FROM ml.experiment_runs WHERE run_id = '" + run_id + "'"),
            "interrupted");
  // A run that was interrupted is not a model: reading it as one is refused.
  EXPECT_THROW(trading::verify_run_directory(run), std::exception);

  const long target = steps + 2048;
  r = run_usdcop(
      "train --resume '" + run.string() + "' --timesteps " + std::to_string(target) + " --json",
      env);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto done = read_json(run / "run.json");
  EXPECT_GE(done.at("timesteps").get<long>(), target);
  EXPECT_TRUE(done.at("resumed").get<bool>());
  EXPECT_FALSE(fs::exists(run / "resume.json"));
  EXPECT_NO_THROW(trading::verify_run_directory(run));
  EXPECT_EQ(scalar(db, "SELECT status FROM ml.experiment_runs WHERE run_id = '" + run_id + "'"),
            "completed");
  // The log continues: the rows before the interrupt are still there.
  EXPECT_GT(lines_in(run / "training_log.csv"), 2);
  fs::remove_all(work);
}
