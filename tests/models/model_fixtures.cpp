#include "model_fixtures.hpp"

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <random>

#include "core/sha256.hpp"
#include "features/contract.hpp"
#include "models/promotion_policy.hpp"
#include "trading/trading_config.hpp"

namespace usdcop::testing {

namespace fs = std::filesystem;

namespace {
void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}
}  // namespace

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = fs::temp_directory_path() /
          ("usdcop_models_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path write_run_directory(const fs::path& parent, const std::string& run_id,
                             const RunOptions& o) {
  const fs::path dir = parent / run_id;
  fs::create_directories(dir);
  std::mt19937 gen(o.seed);
  // 1,024 finite float32 weights (verify_run_directory refuses NaN or infinite ones).
  std::uniform_real_distribution<float> weight(-1.0f, 1.0f);
  std::string weights(4096, '\0');
  for (std::size_t i = 0; i < weights.size(); i += sizeof(float)) {
    const float w = weight(gen);
    std::memcpy(weights.data() + i, &w, sizeof w);
  }
  const std::string actor_json =
      R"({"format":"usdcop-mlp-v1","input_size":15,"hidden_sizes":[256,256],"activation":"tanh","output_size":1,"weights_file":"actor.bin"})";
  const std::string norm_stats =
      R"({"builder_version":")" + o.builder_version + R"(","seed":)" + std::to_string(o.seed) + "}";
  const std::string config =
      "experiment: baseline\nppo:\n  learning_rate: 0.0003\n  gamma: 0.99\n  n_steps: 2048\n";
  const std::string dataset = R"({"bars_from":"2020-01-02","bars_to":"2024-12-30","rows":74000})";
  const std::map<std::string, std::string> files{{"actor.json", actor_json},
                                                 {"actor.bin", weights},
                                                 {"norm_stats.json", norm_stats},
                                                 {"config.yaml", config},
                                                 {"dataset.json", dataset},
                                                 {"training_log.csv", "step,reward\n1,0.0\n"},
                                                 {"policy.pt", "checkpoint-" + run_id}};
  nlohmann::json artifacts = nlohmann::json::object();
  for (const auto& [name, bytes] : files) {
    write_file(dir / name, bytes);
    artifacts[name] = sha256_hex(bytes);
  }
  const nlohmann::json run{{"format", "usdcop-run-v1"},
                           {"run_id", run_id},
                           {"experiment", "baseline"},
                           {"algorithm", "ppo"},
                           {"seed", o.seed},
                           {"builder_version", o.builder_version},
                           {"feature_order_hash", features::feature_order_hash()},
                           {"norm_stats_hash", sha256_hex(norm_stats)},
                           {"dataset_hash", sha256_hex(dataset)},
                           {"model_hash", sha256_hex(weights)},
                           {"training_start", o.training_start},
                           {"training_end", o.training_end},
                           {"validation_start", "2024-01-02"},
                           {"validation_end", "2024-06-28"},
                           {"timesteps", 4096},
                           {"wall_time_s", 1.5},
                           {"steps_per_s", 2730.0},
                           {"library_versions", {{"libtorch", "test"}}},
                           {"best_validation_sharpe", 1.2},
                           {"artifacts", artifacts}};
  write_file(dir / "run.json", run.dump(2));
  return dir;
}

void exec_sql(store::ConnectionPool& pool, const std::string& sql) {
  auto conn = pool.acquire();
  pqxx::work tx(*conn);
  tx.exec(sql);
  tx.commit();
}

long count_sql(store::ConnectionPool& pool, const std::string& sql) {
  auto conn = pool.acquire();
  pqxx::read_transaction tx(*conn);
  return tx.exec(sql)[0][0].as<long>();
}

std::string text_sql(store::ConnectionPool& pool, const std::string& sql) {
  auto conn = pool.acquire();
  pqxx::read_transaction tx(*conn);
  const auto r = tx.exec(sql);
  return r.empty() || r[0][0].is_null() ? std::string() : r[0][0].c_str();
}

nlohmann::json reference_config() {
  return {{"trading", trading::to_json(trading::load_trading_config())},
          {"risk", trading::to_json(trading::load_risk_profile())}};
}

std::string insert_backtest(store::ConnectionPool& pool, const std::string& model_id,
                            const BacktestFigures& f) {
  const std::string pf = f.profit_factor ? std::to_string(*f.profit_factor) : std::string();
  auto conn = pool.acquire();
  pqxx::work tx(*conn);
  const auto r = tx.exec_params(
      "INSERT INTO ml.backtest_results (model_id, start_date, end_date, period_type, "
      "is_out_of_sample, total_trades, "
      "win_rate, sharpe_ratio, sortino_ratio, max_drawdown_pct, total_return_pct, profit_factor, "
      "signature, model_hash, config) "
      "VALUES ($1, $2::date, $3::date, $4, $5, $6, $7, $8, $9, $10, $11, $12::float8, "
      "'test-signature', (SELECT model_hash FROM ml.model_registry WHERE model_id = $1), "
      "$13::jsonb) RETURNING backtest_uuid::text",
      model_id, f.start, f.end, f.period_type, f.out_of_sample, f.trades, f.win_rate, f.sharpe,
      f.sharpe * 1.3, f.max_drawdown, 0.12, f.profit_factor ? pf.c_str() : nullptr,
      f.config.is_null() ? reference_config().dump() : f.config.dump());
  tx.commit();
  return r[0][0].c_str();
}

store::Actor actor(const std::string& name, const std::string& role) {
  return store::Actor{name, role, "test-" + name};
}

models::ModelRecord register_model(store::ConnectionPool& pool, const fs::path& parent,
                                   const std::string& run_id, const RunOptions& options) {
  store::PgModelRegistry registry(pool);
  return registry.register_run(write_run_directory(parent, run_id, options), actor("registrar"));
}

void stage_model(store::ConnectionPool& pool, const std::string& model_id) {
  store::PgPromotions promotions(pool, models::default_promotion_thresholds());
  const auto bt = insert_backtest(pool, model_id, passing_backtest());
  const auto r = promotions.request(
      {model_id, models::Stage::staging, bt, "staging candidate for tests"}, actor("alice"));
  if (r.final_decision != "promoted") throw std::runtime_error("staging failed for " + model_id);
  exec_sql(pool,
           "UPDATE ml.model_registry SET staged_at = now() - interval '8 days' WHERE model_id = '" +
               model_id + "'");
}

std::string deploy_model(store::ConnectionPool& pool, const std::string& model_id) {
  store::PgPromotions promotions(pool, models::default_promotion_thresholds());
  const auto bt = insert_backtest(pool, model_id, passing_backtest());
  const auto r = promotions.request(
      {model_id, models::Stage::production, bt, "production candidate for tests"}, actor("alice"));
  models::ManualVote v;
  v.voter = "bob";
  v.role = models::Role::admin;
  v.approve = true;
  v.comment = "reviewed the backtest and the shadow run";
  v.backtest_reviewed = v.metrics_acceptable = v.team_notified = true;
  promotions.vote(r.request_id, v);
  return r.request_id;
}

}  // namespace usdcop::testing
