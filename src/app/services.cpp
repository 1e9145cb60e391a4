#include "app/services.hpp"

#include "core/config.hpp"
#include "store/connection_pool.hpp"
#include "store/database.hpp"
#include "store/pg_audit_log.hpp"
#include "store/pg_backtest_store.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_cluster.hpp"
#include "store/pg_data_quality.hpp"
#include "store/pg_experiment_run_store.hpp"
#include "store/pg_feature_store.hpp"
#include "store/pg_macro_store.hpp"
#include "store/pg_model_registry.hpp"
#include "store/pg_operations_control.hpp"
#include "store/pg_policies.hpp"
#include "store/pg_principals.hpp"

namespace usdcop::app {

// Spec 11: the managed cluster is stopped on exit when this process started it.
struct Services::Cluster {
  bool stop_at_end = false;
  ~Cluster() {
    if (!stop_at_end) return;
    try {
      store::PgCluster().stop();
    } catch (...) {
      // Exit path: nothing useful to do; `usdcop db status` shows the state.
    }
  }
};

struct Services::Stores {
  explicit Stores(const std::string& url)
      : pool(url),
        bars(pool),
        macro(pool),
        quality(pool),
        feature_rows(pool),
        backtests(pool),
        experiment_runs(pool),
        registry(pool),
        audit_log(pool),
        policies(pool),
        principals(pool),
        operations(pool) {}
  store::ConnectionPool pool;
  store::PgBarStore bars;
  store::PgMacroStore macro;
  store::PgDataQuality quality;
  store::PgFeatureStore feature_rows;
  store::PgBacktestStore backtests;
  store::PgExperimentRunStore experiment_runs;
  store::PgModelRegistry registry;
  store::PgAuditLog audit_log;
  store::PgPolicies policies;
  store::PgPrincipals principals;
  store::PgOperationsControl operations;
};

std::unique_ptr<Services> Services::open(const ServicesOptions& options) {
  auto cluster = std::make_unique<Cluster>();
  const bool was_running = store::using_external_database() || store::PgCluster().running();
  const std::string url =
      options.migrate_first ? store::migrate_database() : store::prepare_database();
  cluster->stop_at_end = !was_running;
  return std::unique_ptr<Services>(new Services(std::move(cluster), url, system_clock()));
}

Services::Services(const std::string& database_url, const Clock& clock)
    : Services(nullptr, database_url, clock) {}

Services::Services(std::unique_ptr<Cluster> cluster, const std::string& database_url,
                   const Clock& clock)
    : cluster_(std::move(cluster)),
      clock_(clock),
      config_dir_(usdcop::config_dir()),
      stores_(std::make_unique<Stores>(database_url)) {}

Services::~Services() = default;

market::BarStore& Services::bars() {
  return stores_->bars;
}
market::MacroStore& Services::macro() {
  return stores_->macro;
}
market::DataQualitySource& Services::quality() {
  return stores_->quality;
}
store::PgFeatureStore& Services::feature_rows() {
  return stores_->feature_rows;
}
store::PgBacktestStore& Services::backtests() {
  return stores_->backtests;
}
store::PgExperimentRunStore& Services::experiment_runs() {
  return stores_->experiment_runs;
}
store::PgModelRegistry& Services::registry() {
  return stores_->registry;
}
store::PgAuditLog& Services::audit_log() {
  return stores_->audit_log;
}
store::PgPolicies& Services::policies() {
  return stores_->policies;
}
store::PgPrincipals& Services::principals() {
  return stores_->principals;
}
store::PgOperationsControl& Services::operations() {
  return stores_->operations;
}
store::ConnectionPool& Services::pool() {
  return stores_->pool;
}

}  // namespace usdcop::app
