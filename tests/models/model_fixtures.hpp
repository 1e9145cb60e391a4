#pragma once
// Fixtures for the registry tests: run directories written in the shared contract's format
// (run.json with correct sha256 of every artifact) and backtest rows inserted directly into
// ml.backtest_results.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "store/connection_pool.hpp"
#include "store/pg_model_registry.hpp"
#include "store/pg_promotions.hpp"

namespace usdcop::testing {

// A temporary directory removed with the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct RunOptions {
  std::string builder_version = "1.0.0";
  std::string training_start = "2020-01-02", training_end = "2023-12-29";
  unsigned seed = 42;
};

// <parent>/<run_id>/ with actor.json, actor.bin (seeded bytes), norm_stats.json, config.yaml,
// dataset.json, training_log.csv, policy.pt and run.json listing their hashes.
std::filesystem::path write_run_directory(const std::filesystem::path& parent,
                                          const std::string& run_id,
                                          const RunOptions& options = {});

struct BacktestFigures {
  double sharpe = 1.6, win_rate = 0.55, max_drawdown = -0.06;
  long trades = 150;
  std::optional<double> profit_factor = 1.9;
  bool out_of_sample = true;
  std::string start = "2024-07-01", end = "2024-12-30";
  std::string period_type = "test";
  // ml.backtest_results.config; null: reference_config().
  nlohmann::json config;
};
inline BacktestFigures passing_backtest() {
  return {};
}
// Passes staging, fails production (Sharpe 0.8 < 1.0).
inline BacktestFigures staging_only_backtest() {
  BacktestFigures f;
  f.sharpe = 0.8;
  return f;
}
inline BacktestFigures failing_backtest() {
  BacktestFigures f;
  f.sharpe = 0.2;
  f.win_rate = 0.40;
  return f;
}

// The configuration of a backtest run as the seed policies say (config/trading.yaml and
// risk.yaml): what the shipped promotion policy's reference_backtest pins for a fixture model.
nlohmann::json reference_config();

// Inserts a row of ml.backtest_results (of the registered actor: model_hash = the model's
// registered hash) and returns its backtest_uuid.
std::string insert_backtest(store::ConnectionPool& pool, const std::string& model_id,
                            const BacktestFigures& f);

// Registers a run written under `parent`.
models::ModelRecord register_model(store::ConnectionPool& pool, const std::filesystem::path& parent,
                                   const std::string& run_id, const RunOptions& options = {});

// registered -> staging through a passing staging request, with staged_at moved 8 days back
// (so the production staging-time gate can pass). Returns nothing; throws on failure.
void stage_model(store::ConnectionPool& pool, const std::string& model_id);

// staging -> deployed: a production request by "alice" and an admin approval by "bob"
// (override when the auto vote fails, e.g. for lack of shadow data). Returns the request id.
std::string deploy_model(store::ConnectionPool& pool, const std::string& model_id);

// Runs an SQL statement on a pooled connection (test setup only).
void exec_sql(store::ConnectionPool& pool, const std::string& sql);
long count_sql(store::ConnectionPool& pool, const std::string& sql);
std::string text_sql(store::ConnectionPool& pool, const std::string& sql);

store::Actor actor(const std::string& name, const std::string& role = "operator");

}  // namespace usdcop::testing
