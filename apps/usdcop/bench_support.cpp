#include "bench_support.hpp"

#include <time.h>

#include <pqxx/pqxx>

#include <filesystem>

#include "core/config.hpp"
#include "core/error.hpp"
#include "store/connection_pool.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "trading/mlp_policy.hpp"

namespace usdcop::cli {

std::string fresh_bench_database(const std::string& name) {
  // A scratch database is maintenance: created and migrated by the owner role, used by the
  // application role like any other.
  const std::string app_url = store::ensure_database_running();
  const std::string url = store::owner_database_url();
  {
    auto conn = store::open_connection(url);
    pqxx::nontransaction tx(*conn);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name) + " WITH (FORCE)");
    tx.exec("CREATE DATABASE " + tx.quote_name(name));
  }
  store::migrate(store::url_with_database(url, name));
  return store::url_with_database(app_url, name);
}

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string shared_file(const std::string& file) {
  for (const auto& base :
       {std::filesystem::path("../shared/data"), config_dir().parent_path() / "../shared/data"})
    if (std::filesystem::exists(base / file)) return (base / file).string();
  throw Error(ErrorKind::not_found, "../shared/data/" + file + " does not exist", "data");
}

live::TradingModel bench_model(store::ConnectionPool& pool, const std::string& model_id) {
  {
    auto c = pool.acquire();
    pqxx::work tx(*c, "bench_model");
    tx.exec_params(
        "INSERT INTO ml.model_registry (model_id, version, artifact_uri, model_hash, "
        "norm_stats_hash, feature_order_hash, builder_version) VALUES ($1, 1, "
        "'bench', 'bench', 'bench', 'bench', 'bench') ON CONFLICT DO NOTHING",
        model_id);
    tx.commit();
  }
  live::TradingModel m;
  m.model_id = model_id;
  m.policy = std::make_shared<trading::MlpPolicy>(trading::MlpPolicy::random({256, 256}, 42, 3.0));
  for (auto& s : m.norm_stats.stats) s = {0.0, 1.0};
  m.trading = trading::load_trading_config();
  m.risk = trading::load_risk_profile();
  return m;
}

}  // namespace usdcop::cli
